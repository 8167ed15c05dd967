"""A CFB (OLE2) container, the body of an .xls/.et workbook or of a password-protected
OOXML package, read with olefile from bytes already in memory, for preflight.

olefile follows the FAT, the DIFAT, the mini FAT and the sector chains, leniently: a
broken chain is noted, and reading stops there or after as many sectors as the FAT
has. What it would trust beyond that is bounded here: the header's counts are checked
against the file's size, a stream is read up to the file's size at most, and the
directory tree is not walked (a hostile one is deep or wide): streams are looked up
in the directory by exact name, in order, as calamine looks them up. Where olefile is
stricter than calamine in a way that would hide a workbook stream calamine still reads
(so that preflight could not bound its grid), it reads on as calamine does.
"""
from __future__ import annotations

import io
import struct
from typing import Iterable

import olefile

ERRORS = (OSError, struct.error, LookupError, ValueError, ArithmeticError,
          RecursionError, MemoryError)    # what a damaged file makes olefile raise (its own are OSErrors)


def cfb_streams(data: bytes, names: Iterable[str]
                ) -> tuple[Cfb | None, dict[str, olefile.olefile.OleDirectoryEntry]]:
    """The container and those of the streams `names` it has, or (None, {}) when it
    cannot be followed. olefile gets a file object: bytes under 1536 it takes for a path."""
    try:
        ole = Cfb(io.BytesIO(data))
        return ole, {name: entry for name in names if (entry := ole.stream(name))}
    except ERRORS:
        return None, {}


class Cfb(olefile.OleFileIO):
    """olefile's reader, bounded, and as lenient as calamine where the grid bound needs it."""

    def loadfat(self, header):
        fat_needed = self.nb_sect // (self.sectorsize // 4) + 110    # sectors the FAT may span
        if self.sector_shift not in (9, 12):
            raise OSError("sector size not 512 or 4096 bytes")
        if self.first_difat_sector >= self.nb_sect:
            self.num_difat_sectors = 0      # no DIFAT, whatever it counts: calamine reads on
        elif self.num_difat_sectors and self.num_fat_sectors > fat_needed:
            raise OSError("more FAT sectors than the file holds")      # each DIFAT one is read
        self.num_mini_fat_sectors = min(self.num_mini_fat_sectors, self.nb_sect)
        super().loadfat(header)

    def getsect(self, sect):
        """A FAT or DIFAT sector; past the end of a truncated file, a free one."""
        try:
            return super().getsect(sect)
        except OSError:
            return b"\xff" * self.sectorsize

    def loaddirectory(self, sect):
        """The directory stream and its root entry (the tree is not walked)."""
        self.directory_fp = self._open(sect, force_FAT=True)
        self.direntries = [None] * (self.directory_fp.size // 128)
        self.root = self._load_direntry(0)

    def stream(self, name: str) -> olefile.olefile.OleDirectoryEntry | None:
        """The first stream entry called `name` (exactly) in the directory, or None."""
        directory, needle = self.directory_fp.getvalue(), name.encode("utf-16-le") + b"\0\0"
        at = directory.find(needle)
        while 0 <= at <= len(directory) - 128:    # an entry: 128 bytes from its name, its length, type
            if at % 128 == 0 and directory[at + 64:at + 67] == struct.pack("<HB", len(needle), 2):
                return self._load_direntry(at // 128)
            at = directory.find(needle, at + 1)
        return None

    def read(self, entry: olefile.olefile.OleDirectoryEntry, limit: int) -> bytes:
        """A stream's bytes as far as its chain goes, `limit` bytes at most (the file's
        size: a longer chain loops); the mini stream holding a small one likewise."""
        small = entry.size < self.minisectorcutoff
        if small:
            self.root.size = min(self.root.size, limit)
        try:
            return self._open(entry.isectStart, min(entry.size, limit), force_FAT=not small).read()
        except ERRORS:
            return b""
