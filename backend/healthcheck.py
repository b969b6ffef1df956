"""The web container's healthcheck (docker-compose.yml): GET /healthz on the local gunicorn,
exit 0 when it answers 200, else 1.

    python -m backend.healthcheck [URL]     (default http://127.0.0.1:8000/healthz)

It sends a Host header that ALLOWED_HOSTS accepts: with ALLOWED_HOSTS set to the real domain
only, Django answers a request for ``Host: 127.0.0.1`` with 400 (DisallowedHost), and the
container would count as unhealthy forever. No Django import: it runs every few seconds."""

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def host_header(allowed_hosts: str) -> str:
    """A host name the first entry of ALLOWED_HOSTS (comma-separated, as in the settings)
    accepts: ``.example.org`` (the domain and its subdomains) as ``example.org``, ``*`` and an
    empty list (the settings' default) as ``localhost``."""
    entries = [entry.strip() for entry in allowed_hosts.split(",") if entry.strip()]
    if not entries or entries[0] == "*":
        return "localhost"
    return entries[0].lstrip(".")


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    request = urllib.request.Request(  # noqa: S310 - a fixed http URL on this container
        url, headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
