"""apertium-apy bound to 127.0.0.1 only: it has no option for the address and binds every interface.

Same arguments as apertium-apy. Parley's launcher runs it so that no internal service listens beyond
this machine.
"""
import sys

import tornado.tcpserver

_bind = tornado.tcpserver.TCPServer.bind


def _bind_loopback(self, port, address=None, *args, **kwargs):
    return _bind(self, port, '127.0.0.1', *args, **kwargs)


tornado.tcpserver.TCPServer.bind = _bind_loopback

from apertium_apy.apy import main  # noqa: E402

sys.argv[0] = 'apertium-apy'
sys.exit(main())
