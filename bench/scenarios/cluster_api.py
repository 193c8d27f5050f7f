"""A cluster of hack/local-cluster.sh, as its admin, over HTTPS: what the scenarios' Python helpers
use instead of a kubectl process per request (bench/scenarios/multicluster.sh, promotion.sh,
swap.py), and a watch that runs for as long as a scenario does."""
import http.client, json, ssl, sys, time


class Api:
    """One cluster, over one kept-alive connection re-opened once on a broken one."""
    def __init__(self, d, timeout=5):
        self.host = open(d + "/apiserver.host").read().strip()
        self.port = int(open(d + "/apiserver.port").read())
        self.ctx = ssl.create_default_context(cafile=d + "/certs/ca.crt")
        self.ctx.load_cert_chain(d + "/certs/admin.crt", d + "/certs/admin.key")
        self.timeout, self.c = timeout, None

    def connect(self, timeout):
        """A new connection of its own (for a watch, with a longer timeout)."""
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def req(self, method, path, body=None, ctype="application/json"):
        for attempt in (0, 1):
            try:
                if self.c is None: self.c = self.connect(self.timeout)
                self.c.request(method, path, body=body, headers={"Content-Type": ctype} if body else {})
                r = self.c.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                if self.c: self.c.close()
                self.c = None
                if attempt: raise

    def must(self, method, path, body=None, ctype="application/json", ok=(200, 201)):
        """The decoded answer; exits naming the request when its status is not in `ok`."""
        s, data = self.req(method, path, body, ctype)
        if s not in ok: sys.exit("%s %s: HTTP %d %s" % (method, path, s, data[:300]))
        return json.loads(data)


def watch(api, path, handle):
    """List, then watch PATH forever, calling handle(type, object, epoch_s); a watch ends every
    2 min and resumes from the last resourceVersion, a 410 relists."""
    rv = None
    while True:
        try:
            if rv is None:
                s, data = api.req("GET", path)
                if s != 200: time.sleep(1); continue
                items = json.loads(data); t = time.time()
                for o in items["items"]: handle("LIST", o, t)
                rv = items["metadata"]["resourceVersion"]
            c = api.connect(180)
            c.request("GET", path + ("&" if "?" in path else "?") +
                      "watch=1&allowWatchBookmarks=true&timeoutSeconds=120&resourceVersion=" + rv)
            r = c.getresponse()
            if r.status != 200: rv = None; c.close(); time.sleep(1); continue
            for line in r:
                t = time.time()
                ev = json.loads(line)
                if ev["type"] == "ERROR": rv = None; break
                rv = ev["object"]["metadata"]["resourceVersion"]
                if ev["type"] != "BOOKMARK": handle(ev["type"], ev["object"], t)
            c.close()
        except (OSError, http.client.HTTPException, ValueError) as e:
            print("watch %s: %s; again in 1 s" % (path, e), file=sys.stderr); time.sleep(1)
