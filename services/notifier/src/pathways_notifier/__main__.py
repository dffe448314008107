import sys

from pathways_shared.http import serve

from .bootstrap import NotifierSettings, missing_setting
from .entrypoints.app import create_app

settings = NotifierSettings()
if problem := missing_setting(settings):
    sys.exit(f"pathways_notifier: {problem}")
serve(create_app(settings), settings.http_host, settings.http_port)
