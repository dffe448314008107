from pathways_shared.http import serve

from .bootstrap import IntakeSettings
from .entrypoints.http import create_app


def main() -> None:
    settings = IntakeSettings()
    serve(create_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
