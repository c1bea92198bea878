"""An httpx.Client, as its users write it: client.get(url), or a streamed response closed unread.

Usage: httpx_client.py URL COUNT MODE, MODE one of read, unread, close.
"""
import sys

import httpx


def main():
    url, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    headers = {"Connection": "close"} if mode == "close" else {}
    with httpx.Client(timeout=10) as client:
        for _ in range(count):
            if mode == "unread":
                with client.stream("GET", url, headers=headers):
                    pass
            else:
                client.get(url, headers=headers).read()
    print("done")


main()
