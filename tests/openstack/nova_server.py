"""A real Nova 34 in one process, served on a loopback port (run with .venv-nova/bin/python).

Nova's own functional-test machinery builds the control plane (API, conductor, scheduler,
Placement, SQLite databases, in-memory message transport) and N nova-compute services on
the fake virt driver. This script serves the real nova-api WSGI app over TCP plus:

- ``/identity/v3`` a minimal Keystone v3 (password auth -> token + catalog), so clients
  authenticate with keystoneauth exactly as against a cloud; the API answers 401 to any
  token it did not issue (``admin`` is also accepted, for ``admin_token`` auth);
- ``POST /_harness/stop/<host>``: the compute host crashes (its nova-compute stops);
- ``POST /_harness/restart/<host>``: it comes back (a fresh nova-compute, as after boot);
- ``POST /_harness/shutdown``: exit.

usage: nova_server.py PORT_FILE [HOSTS] [USER] [PASSWORD]
The port is written to PORT_FILE once serving. The process exits when its parent dies.
Not importable from the main venv (it needs Nova); the test fixture runs it.
"""
# ruff: noqa: I001  (nova must be imported before eventlet: it monkey-patches)

import json
import logging
import os
import sys
import time
import unittest
import uuid

# nova.tests.functional applies eventlet monkey patching on import: import it first.
from nova.tests.functional import integrated_helpers

import eventlet
import eventlet.event
from eventlet import wsgi as ev_wsgi

PORT_FILE = sys.argv[1]
HOSTS = tuple(f"host{i}" for i in range(1, int(sys.argv[2] if len(sys.argv) > 2 else 3) + 1))
USER = sys.argv[3] if len(sys.argv) > 3 else "admin"
PASSWORD = sys.argv[4] if len(sys.argv) > 4 else "secret"
PARENT = os.getppid()


class _Quiet:
    def write(self, *args, **kwargs):
        pass


def _json(start_response, status, body, headers=()):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), *headers])
    return [data]


class NovaBox(integrated_helpers.ProviderUsageBaseTestCase):
    """Runs as one unittest case so Nova's fixtures set up and tear down as designed."""

    compute_driver = "fake.MediumFakeDriver"
    REQUIRES_LOCKING = True

    def _clear_attrs(self):  # keep attributes for the serve loop
        pass

    def setUp(self):
        t0 = time.time()
        super().setUp()
        # A call to a dead compute over the fake transport waits long_rpc_timeout.
        self.flags(long_rpc_timeout=10)
        self.flags(rpc_response_timeout=10)
        for host in HOSTS:
            self._start_compute(host=host)
        # Nova's test logging formats every DEBUG record (to catch bad format strings);
        # a served Nova should not spend its CPU on that: keep warnings and errors only.
        logging.disable(logging.INFO)
        self.tokens = {"admin"}
        self.done = eventlet.event.Event()
        self.app = self.api_fixture.app()
        self.project_id = self.api_fixture.project_id
        sock = eventlet.listen(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = eventlet.spawn(ev_wsgi.server, sock, self.wsgi, log=_Quiet(),
                                     max_size=200)
        self.addCleanup(self.server.kill)
        self.startup_s = round(time.time() - t0, 2)

    # -- fake keystone ---------------------------------------------------------------

    def keystone(self, environ, start_response):
        path = environ.get("PATH_INFO", "").rstrip("/")
        v3 = self.base + "/identity/v3"
        version = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                   "links": [{"rel": "self", "href": v3 + "/"}],
                   "media-types": [{"base": "application/json",
                                    "type": "application/vnd.openstack.identity-v3+json"}]}
        if environ["REQUEST_METHOD"] == "GET" and path == "/identity":
            return _json(start_response, "300 Multiple Choices",
                         {"versions": {"values": [version]}})
        if environ["REQUEST_METHOD"] == "GET" and path == "/identity/v3":
            return _json(start_response, "200 OK", {"version": version})
        if environ["REQUEST_METHOD"] == "POST" and path == "/identity/v3/auth/tokens":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            ident = body.get("auth", {}).get("identity", {})
            user = ident.get("password", {}).get("user", {})
            if user.get("name") != USER or user.get("password") != PASSWORD:
                return _json(start_response, "401 Unauthorized", {"error": {
                    "code": 401, "title": "Unauthorized",
                    "message": "The request you have made requires authentication."}})
            token = uuid.uuid4().hex
            self.tokens.add(token)
            compute = self.base + "/v2.1"
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
            later = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() + 86400))
            catalog = [
                {"type": "compute", "name": "nova", "id": "c0",
                 "endpoints": [{"id": f"c{i}", "interface": iface, "region": "RegionOne",
                                "region_id": "RegionOne", "url": compute}
                               for i, iface in enumerate(("public", "internal", "admin"))]},
                {"type": "identity", "name": "keystone", "id": "k0",
                 "endpoints": [{"id": f"k{i}", "interface": iface, "region": "RegionOne",
                                "region_id": "RegionOne", "url": v3}
                               for i, iface in enumerate(("public", "internal", "admin"))]}]
            return _json(start_response, "201 Created", {"token": {
                "methods": ["password"], "expires_at": later, "issued_at": now,
                "user": {"id": "u-admin", "name": USER, "domain": {"id": "default",
                                                                    "name": "Default"}},
                "project": {"id": self.project_id, "name": "admin",
                            "domain": {"id": "default", "name": "Default"}},
                "roles": [{"id": "r-admin", "name": "admin"}],
                "catalog": catalog}}, [("X-Subject-Token", token)])
        return _json(start_response, "404 Not Found", {"error": {"code": 404}})

    # -- routing ---------------------------------------------------------------------

    def harness(self, environ, start_response):
        parts = environ.get("PATH_INFO", "").strip("/").split("/")
        action = parts[1] if len(parts) > 1 else ""
        host = parts[2] if len(parts) > 2 else ""
        if action == "stop":
            self.computes[host].stop()
        elif action == "restart":
            self.computes[host] = self.restart_compute_service(self.computes[host])
        elif action == "shutdown":
            self.done.send(True)
        elif action == "status":
            return _json(start_response, "200 OK", {
                "hosts": list(HOSTS), "startup_s": self.startup_s,
                "instances": {h: sorted(c.manager.driver.list_instance_uuids())
                              for h, c in self.computes.items()}})
        else:
            return _json(start_response, "404 Not Found", {"error": action})
        return _json(start_response, "200 OK", {"ok": True, "action": action, "host": host})

    def wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_harness/"):
            return self.harness(environ, start_response)
        if path.startswith("/identity"):
            return self.keystone(environ, start_response)
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if token not in self.tokens and path.rstrip("/") not in ("", "/v2.1"):
            return _json(start_response, "401 Unauthorized", {"error": {
                "code": 401, "message": "The request you have made requires authentication."}})
        environ["HTTP_X_AUTH_USER"] = "admin"
        environ["HTTP_X_AUTH_PROJECT_ID"] = self.project_id
        environ["HTTP_X_ROLES"] = "reader,member,admin"
        return self.app(environ, start_response)

    def test_serve(self):
        tmp = PORT_FILE + ".tmp"
        with open(tmp, "w") as handle:
            json.dump({"port": self.port, "hosts": list(HOSTS), "pid": os.getpid(),
                       "startup_s": self.startup_s}, handle)
        os.replace(tmp, PORT_FILE)
        while not self.done.ready():
            if os.getppid() != PARENT:  # orphaned: the test process died
                break
            eventlet.sleep(0.5)


def main():
    profile_path = os.environ.get("NOVA_BOX_PROFILE")  # cProfile output, for tuning
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2).run(
        NovaBox("test_serve"))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile_path)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
