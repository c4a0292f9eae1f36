"""Obtain an OAuth refresh token (installed-app flow) and save it into the credentials block.

    python -m tasks.youtube.oauth --client-secrets client_secret.json --block default

Opens a browser for consent to youtube.readonly and yt-analytics.readonly with offline access
(`prompt=consent`, so Google returns a refresh token), then saves client id, client secret and
refresh token (as secrets) into the `youtube-credentials/<block>` block, keeping its API key.
"""

from __future__ import annotations

import argparse
from typing import Any

from tasks.youtube.clients import SCOPES


def obtain_credentials(client_secrets: str, port: int = 0, open_browser: bool = True) -> Any:
    """Run google-auth-oauthlib's installed-app flow; the resulting user credentials."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(client_secrets, scopes=list(SCOPES))
    return flow.run_local_server(port=port, open_browser=open_browser, access_type="offline", prompt="consent")


def save_credentials(credentials: Any, block_name: str) -> None:
    """Store client id/secret and refresh token in the YouTube credentials block."""
    from pydantic import SecretStr

    from blocks.youtube import YouTubeCredentials

    if not credentials.refresh_token:
        raise SystemExit("Google returned no refresh token; revoke the app's access and run again.")
    try:
        block = YouTubeCredentials.load(block_name)
    except ValueError:
        block = YouTubeCredentials()
    block.client_id = SecretStr(credentials.client_id)
    block.client_secret = SecretStr(credentials.client_secret)
    block.refresh_token = SecretStr(credentials.refresh_token)
    block.save(block_name, overwrite=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tasks.youtube.oauth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--client-secrets", required=True, help="OAuth client JSON (Desktop app) from Google Cloud")
    parser.add_argument("--block", default="default", help="credentials block name (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="local redirect port (default: any free port)")
    parser.add_argument("--no-browser", action="store_true", help="print the consent URL instead of opening it")
    args = parser.parse_args(argv)
    save_credentials(obtain_credentials(args.client_secrets, args.port, not args.no_browser), args.block)
    print(f"saved refresh token into youtube-credentials/{args.block}")


if __name__ == "__main__":
    main()
