"""The MTHDS Protocol 2.0.0 layer of the runner API: method trees, blobs and wire shapes (its registry codes are
in ``pipelex/api/codes.py``, its extra routes in ``pipelex/api/protocol_routes.py``, both outside this package so
that the service and the problem documents, which the routes use and which use the codes, sit between them).

The ``mthds`` package is the contract: its error registry gives every problem its ``code``, ``domain``,
``retry`` and ``next_step``; its file-map reader decides which ``files`` trees are accepted; its wire
models are the shapes ``/execute``, ``/start``, ``/validate``, ``/models`` and ``/version`` answer
(``tests/api/test_protocol_*.py`` reads every answer back through them and through ``pipelex-sdk``).
"""

from mthds.protocol.protocol import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]
