from pathways_shared.http import serve

from .bootstrap import NotifierSettings
from .entrypoints.app import create_app

settings = NotifierSettings()
serve(create_app(settings), settings.http_host, settings.http_port)
