"""Drives openstacksdk or python-keystoneclient (Debian's, unmodified) against the gateway.

stdin: {"client": "sdk" | "keystoneclient", "auth_url": ".../v3", "scenarios": [
  {"name": ..., "auth": {"type": "v3token", "token": ...} | {"type": "password", "username": ..., "password": ...},
   "project": name or null, "region_name": name or null, "ops": [{"op": "list" | "create" | "get" | "update" | "delete", ...}]}]}
stdout: one JSON list, per scenario {"name", "login": {"ok": true} or an error, "results": [...]}; an op's result is
{"ok": true, "value": ...} or {"ok": false, "status": <HTTP status or null>, "error": <class: message>}.
"""
import json
import sys


def failure(e):
    status = getattr(e, "status_code", None) or getattr(e, "http_status", None)
    return {"ok": False, "status": status, "error": f"{type(e).__name__}: {e}"}


def found_endpoint(session, region_name):
    """The endpoint every region call goes to: the identity service of the token's catalogue, in region_name."""
    from keystoneauth1.exceptions import EndpointNotFound

    url = session.get_endpoint(service_type="identity", interface="public", region_name=region_name)
    if url is None:
        raise EndpointNotFound(f"no public identity endpoint in region {region_name}")
    return url


def region_view(r):
    # the same shape for both clients: what the client's own object exposes
    return {"id": r.id, "description": r.description, "parent_region_id": r.parent_region_id}


class Sdk:
    def __init__(self, auth_url, s):
        import openstack

        kwargs = {"auth_url": auth_url, "region_name": s.get("region_name"), "identity_api_version": "3"}
        if s["auth"]["type"] == "v3token":
            kwargs.update(auth_type="v3token", token=s["auth"]["token"])
        else:
            kwargs.update(
                auth_type="password",
                username=s["auth"]["username"],
                password=s["auth"]["password"],
                user_domain_name="Default",
            )
        if s.get("project"):
            kwargs.update(project_name=s["project"], project_domain_name="Default")
        self.conn = openstack.connect(**{k: v for k, v in kwargs.items() if v is not None})
        self.conn.authorize()
        found_endpoint(self.conn.session, s.get("region_name"))

    def run(self, op):
        identity = self.conn.identity
        if op["op"] == "list":
            query = {"parent_region_id": op["parent"]} if op.get("parent") else {}
            return sorted((region_view(r) for r in identity.regions(**query)), key=lambda r: r["id"])
        if op["op"] == "create":
            attrs = {"id": op["id"], "description": op.get("description", ""), "parent_region_id": op.get("parent")}
            return region_view(identity.create_region(**attrs))
        if op["op"] == "get":
            return region_view(identity.get_region(op["id"]))
        if op["op"] == "update":
            return region_view(identity.update_region(op["id"], description=op["description"]))
        if op["op"] == "delete":
            identity.delete_region(op["id"], ignore_missing=False)
            return None
        raise ValueError(op["op"])


class KeystoneClient:
    def __init__(self, auth_url, s):
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        from keystoneclient.v3 import client

        scope = {"project_name": s["project"], "project_domain_name": "Default"} if s.get("project") else {}
        if s["auth"]["type"] == "v3token":
            auth = v3.Token(auth_url=auth_url, token=s["auth"]["token"], **scope)
        else:
            auth = v3.Password(
                auth_url=auth_url,
                username=s["auth"]["username"],
                password=s["auth"]["password"],
                user_domain_name="Default",
                **scope,
            )
        sess = session.Session(auth=auth)
        self.kc = client.Client(session=sess, region_name=s.get("region_name"), interface="public")
        found_endpoint(sess, s.get("region_name"))

    def run(self, op):
        regions = self.kc.regions
        if op["op"] == "list":
            query = {"parent_region_id": op["parent"]} if op.get("parent") else {}
            return sorted((region_view(r) for r in regions.list(**query)), key=lambda r: r["id"])
        if op["op"] == "create":
            created = regions.create(id=op["id"], description=op.get("description", ""), parent_region=op.get("parent"))
            return region_view(created)
        if op["op"] == "get":
            return region_view(regions.get(op["id"]))
        if op["op"] == "update":
            return region_view(regions.update(op["id"], description=op["description"]))
        if op["op"] == "delete":
            regions.delete(op["id"])
            return None
        raise ValueError(op["op"])


def main():
    request = json.load(sys.stdin)
    kind = {"sdk": Sdk, "keystoneclient": KeystoneClient}[request["client"]]
    out = []
    for s in request["scenarios"]:
        entry = {"name": s["name"], "results": []}
        try:
            client = kind(request["auth_url"], s)
            entry["login"] = {"ok": True}
        except Exception as e:  # noqa: BLE001 - reported to the test, which asserts on it
            entry["login"] = failure(e)
            out.append(entry)
            continue
        for op in s["ops"]:
            try:
                value = client.run(op)
                entry["results"].append({"ok": True} if value is None else {"ok": True, "value": value})
            except Exception as e:  # noqa: BLE001
                entry["results"].append(failure(e))
        out.append(entry)
    json.dump(out, sys.stdout)


main()
