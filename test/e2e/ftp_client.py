#!/usr/bin/python3
"""A minimal FTP client that can leave an expectation pending.

usage: ftp_client.py HOST MODE [--port N] [--wait-file PATH | --hold SECONDS]
                     [--file NAME] [--out PATH]

Logs in anonymously, sends MODE's command (epsv, pasv: the server announces a
port; port, eprt: the client listens on its control address, port N or any,
and announces it), prints `announced PORT` and flushes, then waits until PATH
exists or SECONDS have passed (the firewall's expectation is pending
meanwhile), retrieves NAME (default file.bin) over the data connection into
PATH (default: discarded) and quits. Exit 0 when the server confirmed the
transfer (226), 1 otherwise (a message on stderr).
"""
import argparse
import os
import re
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("mode", choices=("epsv", "pasv", "port", "eprt"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--wait-file")
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--file", default="file.bin")
    ap.add_argument("--out", default=os.devnull)
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    ctl = socket.create_connection((a.host, 21), timeout=10)
    f = ctl.makefile("rb")

    def reply():
        while True:
            ln = f.readline().decode(errors="replace").rstrip("\r\n")
            if not ln:
                sys.exit("connection closed")
            if re.match(r"^\d{3} ", ln):
                return ln

    def cmd(text, want):
        ctl.sendall((text + "\r\n").encode())
        r = reply()
        if not r.startswith(want):
            sys.exit("%s: %s" % (text, r))
        return r

    reply()
    if cmd("USER anonymous", ("2", "3")).startswith("3"):
        cmd("PASS dpfw@", "230")
    cmd("TYPE I", "200")
    lst = None
    here = ctl.getsockname()[0]
    if a.mode == "epsv":
        port = int(re.search(r"\(\|\|\|(\d+)\|\)", cmd("EPSV", "229")).group(1))
    elif a.mode == "pasv":
        nums = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", cmd("PASV", "227")).groups()
        port = int(nums[4]) * 256 + int(nums[5])
    else:
        lst = socket.socket(fam, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((here, a.port))
        lst.listen(1)
        lst.settimeout(10)
        port = lst.getsockname()[1]
        if a.mode == "port":
            cmd("PORT %s,%d,%d" % (here.replace(".", ","), port >> 8, port & 255), "200")
        else:
            cmd("EPRT |%d|%s|%d|" % (2 if fam == socket.AF_INET6 else 1, here, port), "200")
    print("announced %d" % port, flush=True)
    t0 = time.time()
    while a.wait_file and not os.path.exists(a.wait_file) or time.time() - t0 < a.hold:
        if time.time() - t0 > 60:
            sys.exit("no %s after 60 s" % a.wait_file)
        time.sleep(0.05)
    if lst is None:
        data = socket.create_connection((a.host, port), timeout=10)
        cmd("RETR " + a.file, "150")
    else:
        cmd("RETR " + a.file, "150")
        data, _ = lst.accept()
    data.settimeout(10)
    with open(a.out, "wb") as out:
        while True:
            b = data.recv(65536)
            if not b:
                break
            out.write(b)
    data.close()
    r = reply()
    if not r.startswith("226"):
        sys.exit("after RETR: " + r)
    cmd("QUIT", "221")
    ctl.close()
    print("transfer complete", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
