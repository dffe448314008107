"""Run the embedded broker in the foreground with the Pathways topics created.

    python -m pathways_shared.broker --port 9092

Prints the bootstrap address on the first line of stdout, then runs until interrupted.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from ..settings import Settings
from .embedded import BrokerUnavailable, EmbeddedBroker
from .topics import Topics, ensure_topics


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m pathways_shared.broker", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--topic-prefix", default=settings.topic_prefix)
    parser.add_argument("--partitions", type=int, default=settings.topic_partitions)
    args = parser.parse_args(argv)

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        with EmbeddedBroker(args.host, args.port) as broker:
            ensure_topics(broker.bootstrap_servers, Topics(args.topic_prefix).all(), args.partitions)
            print(broker.bootstrap_servers, flush=True)
            while not stopping.wait(0.5):
                if not broker.running:
                    print(f"broker stopped unexpectedly: {broker.log_tail()}", file=sys.stderr)
                    return 1
    except BrokerUnavailable as exc:
        print(f"cannot start the broker: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
