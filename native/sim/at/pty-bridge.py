"""A pseudo-terminal for the feature-phone simulator (Node has no pty API).

Opens a pty pair, prints "PTY <path of the slave>" on stderr, then copies bytes both ways:
stdin -> pty master (what the phone says), pty master -> stdout (what the serial client wrote).
It keeps its own descriptor of the slave open, so the pty outlives each client (gammu, then
Lifeboat, then gammu again) the way a USB modem's /dev/ttyACM0 does; and it clears exclusive
mode (TIOCEXCL, which gammu sets) so the next client may open the port. Ends when stdin ends.
Standard library only.
"""
import fcntl
import os
import select
import sys
import termios
import tty


def main() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line editing, 8 bits: a serial line, not a terminal
    sys.stderr.write("PTY %s\n" % os.ttyname(slave))
    sys.stderr.flush()
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    while True:
        try:
            fcntl.ioctl(slave, termios.TIOCNXCL)
        except OSError:
            pass
        readable, _, _ = select.select([master, stdin], [], [], 0.2)
        if master in readable:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if data:
                write_all(stdout, data)
        if stdin in readable:
            data = os.read(stdin, 65536)
            if not data:
                return
            write_all(master, data)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
