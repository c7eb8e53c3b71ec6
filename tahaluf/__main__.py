from tahaluf.cli import entry

entry()
