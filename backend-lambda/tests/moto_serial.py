"""moto_server, serving one request at a time.

Threaded moto checks a TransactWriteItems' conditions and applies its writes without
a lock, so two concurrent transactions can both pass `version = :expected`. Real
DynamoDB serializes conflicting transactions (one gets TransactionConflict or
ConditionalCheckFailed). Serving requests one by one restores that guarantee, which
the backend's no-lost-update test relies on. Usage: python moto_serial.py HOST PORT
"""

import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(
        host,
        port,
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        request_handler=MotoRequestHandler,
    )
