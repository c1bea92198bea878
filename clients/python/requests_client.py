"""A requests.Session, as its users write it: session.get(url), then read .content or not.

Usage: requests_client.py URL COUNT MODE, MODE one of read, unread, close. With `unread` the
response is requested with stream=True and closed without reading (otherwise requests reads the
body itself). Prints "connections: N": urllib3's own count of connections its pool opened.
"""
import sys

import requests


def main():
    url, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    session = requests.Session()
    headers = {"Connection": "close"} if mode == "close" else {}
    for _ in range(count):
        response = session.get(url, headers=headers, stream=(mode == "unread"), timeout=10)
        if mode == "unread":
            response.close()
        else:
            response.content
    pool = session.get_adapter(url).poolmanager.connection_from_url(url)
    print(f"connections: {pool.num_connections}")
    session.close()


main()
