from pathways_shared.http import serve

from .entrypoints.app import http, settings

serve(http, settings.http_host, settings.http_port)
