"""Git facts read straight from a repository's files: HEAD's commit and whether it is dirty.

Nothing is run: no git process, hence none of the commands a repository may configure
(``core.fsmonitor``, hooks, clean/smudge filters, pagers), which would otherwise run inside
the user's kernel. The formats read are those of gitrepository-layout, gitformat-index and
gitformat-pack.

"Dirty" means what a non-empty ``git status --porcelain --untracked-files=no`` means: an
unmerged or intent-to-add entry, an index that differs from HEAD's tree, or a tracked file
that differs from its index entry. A fact that cannot be read for certain is None (unknown),
never a guess, and nothing here raises. Unknown cases include: a commit or index in a format
not read here (reftable, split index), too many files to hash within the bounds below, and a
file whose content differs from its blob while an attribute or ``core.autocrlf`` may convert
it (git would run the conversion, which may be a configured command). Submodules are looked
into (their commit and tracked files) to a bounded depth and number.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import stat
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

# Bounds on the work done in the user's kernel; past them the answer is None, not a guess.
MAX_HASHED_FILES = 256
MAX_HASHED_BYTES = 64 * 1024 * 1024
_MAX_OBJECT_BYTES = 16 * 1024 * 1024  # a commit or tag; far above any real one
_MAX_DELTA_DEPTH = 64  # git's default pack.depth is 50
_MAX_LINKS = 8  # symbolic refs, .git files, alternates, includes, tags followed
_MAX_SUBMODULES = 32
_MAX_SUBMODULE_DEPTH = 2

_HEX_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_PER_WORKTREE_REFS = ("refs/bisect/", "refs/worktree/", "refs/rewritten/")

_ASSUME_VALID = 0x8000
_EXTENDED = 0x4000
_STAGE = 0x3000
_SKIP_WORKTREE = 0x4000  # extended flags
_INTENT_TO_ADD = 0x2000  # extended flags
_GITLINK = 0o160000
_SPARSE_DIR = 0o040000

# Attributes under which git converts content before hashing it (a filter may run a command).
_CONVERTING_ATTRIBUTES = {b"text", b"eol", b"filter", b"ident", b"working-tree-encoding", b"crlf"}


@dataclass(frozen=True)
class Repository:
    git_dir: Path  # this work tree's own: HEAD, index, per-worktree refs
    common_dir: Path  # shared by all work trees: objects, refs, packed-refs, config
    work_tree: Path
    config: dict[str, str | None] = field(default_factory=dict)  # repository's config only
    settings: dict[str, str | None] = field(default_factory=dict)  # system, global, repository

    @property
    def sha256(self) -> bool:
        return (self.config.get("extensions.objectformat") or "sha1").lower() == "sha256"

    def new_hash(self) -> Any:
        return hashlib.sha256() if self.sha256 else hashlib.sha1()

    @property
    def hash_len(self) -> int:
        return 32 if self.sha256 else 20

    def flag(self, key: str, default: bool) -> bool:
        if key not in self.settings:
            return default
        value = _boolean(self.settings[key])
        return default if value is None else value


def git_facts(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """``{"commit": str | None, "dirty": bool | None}`` for the repository holding
    ``directory``, or None when there is none."""
    try:
        repo = find_repository(directory)
    except Exception:
        return None
    if repo is None:
        return None
    try:
        commit = head_commit(repo)
    except Exception:
        commit = None
    try:
        dirty = is_dirty(repo, commit)
    except Exception:
        dirty = None
    return {"commit": commit, "dirty": dirty}


# --- Finding the repository -------------------------------------------------------------


def find_repository(directory: str | os.PathLike[str]) -> Repository | None:
    """The repository whose work tree holds ``directory``: the nearest ``.git`` above it."""
    start = Path(os.path.abspath(directory))
    if not start.is_dir():
        return None
    for folder in (start, *start.parents):
        dotgit = folder / ".git"
        try:
            mode = os.stat(dotgit).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            git_dir = dotgit
        elif stat.S_ISREG(mode):
            target = _gitfile_target(dotgit)
            if target is None:
                return None  # git stops at an unreadable .git file too
            git_dir = target
        else:
            continue
        repo = _open_repository(git_dir, folder)
        if repo is not None:
            return repo
    return None


def _gitfile_target(path: Path) -> Path | None:
    """The folder a ``gitdir: <path>`` file (work trees, submodules) points to."""
    with open(path, "rb") as handle:
        text = handle.read(4096).decode("utf-8", "surrogateescape")
    first = text.splitlines()[0] if text else ""
    if not first.startswith("gitdir:"):
        return None
    target = Path(first[len("gitdir:") :].strip())
    return target if target.is_absolute() else path.parent / target


def _open_repository(git_dir: Path, work_tree: Path) -> Repository | None:
    if not (git_dir / "HEAD").is_file():
        return None
    common_dir = git_dir
    linked = False
    try:
        common = (git_dir / "commondir").read_text("utf-8", "surrogateescape").strip()
    except OSError:
        common = ""
    if common:  # a linked work tree: objects, refs and config live in the main repository
        common_dir = Path(common) if os.path.isabs(common) else git_dir / common
        linked = True
    if not (common_dir / "objects").is_dir():
        return None
    config: dict[str, str | None] = {}
    _read_config(common_dir / "config", config, 0)
    if _boolean(config.get("extensions.worktreeconfig", "false")):
        _read_config(git_dir / "config.worktree", config, 0)
    worktree_setting = config.get("core.worktree")
    if worktree_setting and not linked:  # submodules' git dirs name their work tree
        work_tree = Path(os.path.normpath(git_dir / os.path.expanduser(worktree_setting)))
    settings: dict[str, str | None] = {}
    for path in _user_config_files():
        _read_config(path, settings, 0)
    settings.update(config)
    return Repository(git_dir, common_dir, work_tree, config, settings)


def _user_config_files() -> list[Path]:
    files: list[Path] = []
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        files.append(Path(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        files.append(Path(os.environ["GIT_CONFIG_GLOBAL"]))
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        files += [Path(xdg) / "git" / "config", Path(os.path.expanduser("~/.gitconfig"))]
    return files


def _read_config(path: Path, into: dict[str, str | None], depth: int) -> None:
    """Keys as ``section.name`` (``section.subsection.name``), lower-cased but for the
    subsection; a key without ``=`` is None, which git reads as true."""
    try:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
    except OSError:
        return
    section = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + lines[i]
            i += 1
        line = line.strip()
        if line.startswith("["):
            end = line.find("]")
            if end < 0:
                continue
            name, _, sub = line[1:end].strip().partition(" ")
            section = name.lower() + ("." + sub.strip().strip('"') if sub else "")
            line = line[end + 1 :].strip()
        if not line or line[0] in "#;":
            continue
        key, eq, raw = line.partition("=")
        full = f"{section}.{key.strip().lower()}"
        value = _config_value(raw) if eq else None
        into[full] = value
        if full == "include.path" and value and depth < _MAX_LINKS:
            target = Path(os.path.expanduser(value))
            _read_config(target if target.is_absolute() else path.parent / target, into, depth + 1)


def _config_value(raw: str) -> str:
    out: list[str] = []
    quoted = False
    chars = iter(raw.strip())
    for ch in chars:
        if ch == '"':
            quoted = not quoted
        elif ch == "\\":
            nxt = next(chars, "")
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(nxt, nxt))
        elif ch in "#;" and not quoted:
            break
        else:
            out.append(ch)
    return "".join(out).strip()


def _boolean(value: str | None) -> bool | None:
    if value is None:
        return True
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0", ""):
        return False
    return None


# --- HEAD's commit ----------------------------------------------------------------------


def head_commit(repo: Repository) -> str | None:
    """HEAD's commit id in hex; None on an unborn branch or an unreadable ref."""
    if (repo.config.get("extensions.refstorage") or "files").lower() != "files":
        return None  # reftable: not read here
    name = "HEAD"
    for _ in range(_MAX_LINKS):
        value = _ref_value(repo, name)
        if value is None:
            return None
        if value.startswith("ref:"):
            name = value[4:].strip()
            if not _safe_ref_name(name):
                return None
            continue
        return value if _HEX_ID.fullmatch(value) else None
    return None


def _safe_ref_name(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("refs/") and all(part not in ("", ".", "..") for part in parts)


def _ref_value(repo: Repository, name: str) -> str | None:
    per_worktree = name == "HEAD" or name.startswith(_PER_WORKTREE_REFS)
    folder = repo.git_dir if per_worktree else repo.common_dir
    try:
        with open(folder / name, "rb") as handle:
            return handle.read(4096).decode("ascii", "replace").strip()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        pass
    if per_worktree:
        return None
    try:
        packed = (repo.common_dir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return None
    wanted = b" " + name.encode()
    for line in packed.splitlines():
        if line.endswith(wanted) and not line.startswith((b"#", b"^")):
            return line[: -len(wanted)].decode("ascii", "replace").strip()
    return None


# --- Objects ----------------------------------------------------------------------------


class _Objects:
    """Reads commits and tags from loose objects and packs (and their alternates)."""

    def __init__(self, repo: Repository) -> None:
        self.hash_len = repo.hash_len
        self.folders = [repo.common_dir / "objects"]
        for folder in self.folders:  # grows while alternates name further folders
            if len(self.folders) > _MAX_LINKS:
                break
            try:
                listed = (folder / "info" / "alternates").read_text("utf-8", "surrogateescape")
            except OSError:
                continue
            for line in listed.splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    self.folders.append(Path(line) if os.path.isabs(line) else folder / line)

    def read(self, oid: bytes, depth: int = 0) -> tuple[int, bytes] | None:
        """(pack type number: 1 commit, 2 tree, 3 blob, 4 tag; body) of an object."""
        hexid = oid.hex()
        for folder in self.folders:
            loose = _read_loose(folder / hexid[:2] / hexid[2:])
            if loose is not None:
                return loose
        for folder in self.folders:
            try:
                indexes = sorted((folder / "pack").glob("pack-*.idx"))
            except OSError:
                continue
            for idx in indexes:
                offset = _pack_offset(idx, oid, self.hash_len)
                if offset is not None:
                    with open(idx.with_suffix(".pack"), "rb") as pack:
                        return self._packed(pack, offset, depth)
        return None

    def _packed(self, pack: IO[bytes], offset: int, depth: int) -> tuple[int, bytes] | None:
        pack.seek(offset)
        head = pack.read(32 + self.hash_len)
        byte = head[0]
        kind, size, shift, pos = (byte >> 4) & 7, byte & 15, 4, 1
        while byte & 0x80:
            byte = head[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
        if size > _MAX_OBJECT_BYTES:
            return None
        base: tuple[int, bytes] | None = None
        if kind in (6, 7) and depth >= _MAX_DELTA_DEPTH:
            return None
        if kind == 6:  # delta against the object this far back in the same pack
            back, pos = _offset_varint(head, pos)
            delta = _inflate_at(pack, offset + pos, size)
            base = self._packed(pack, offset - back, depth + 1) if back < offset else None
        elif kind == 7:  # delta against the object with this id
            base_id = head[pos : pos + self.hash_len]
            delta = _inflate_at(pack, offset + pos + self.hash_len, size)
            base = self.read(base_id, depth + 1)
        elif kind in (1, 2, 3, 4):
            body = _inflate_at(pack, offset + pos, size)
            return None if body is None else (kind, body)
        else:
            return None
        if base is None or delta is None:
            return None
        target = _apply_delta(base[1], delta)
        return None if target is None else (base[0], target)


_LOOSE_TYPES = {b"commit": 1, b"tree": 2, b"blob": 3, b"tag": 4}


def _read_loose(path: Path) -> tuple[int, bytes] | None:
    try:
        with open(path, "rb") as handle:
            inflater = zlib.decompressobj()
            data = b""
            while b"\0" not in data and len(data) < 64 and not inflater.eof:
                chunk = inflater.unconsumed_tail or handle.read(4096)
                if not chunk:
                    return None
                data += inflater.decompress(chunk, 64 - len(data))  # just the header
            header, _, rest = data.partition(b"\0")
            kind, _, size_text = header.partition(b" ")
            size = int(size_text)
            if kind not in _LOOSE_TYPES or size > _MAX_OBJECT_BYTES:
                return None
            body = _inflate_rest(handle, inflater, rest, size)
    except FileNotFoundError:
        return None
    return None if body is None else (_LOOSE_TYPES[kind], body)


def _inflate_at(pack: IO[bytes], offset: int, size: int) -> bytes | None:
    pack.seek(offset)
    return _inflate_rest(pack, zlib.decompressobj(), b"", size)


def _inflate_rest(handle: IO[bytes], inflater: Any, start: bytes, size: int) -> bytes | None:
    """Inflate until the stream ends, never past ``size`` bytes (a bomb stops early)."""
    parts = [start]
    total = len(start)
    pending: bytes = inflater.unconsumed_tail
    while not inflater.eof:
        if not pending:
            pending = handle.read(65536)
            if not pending:
                return None
        out: bytes = inflater.decompress(pending, size + 1 - total)
        pending = inflater.unconsumed_tail
        parts.append(out)
        total += len(out)
        if total > size:
            return None
    return b"".join(parts) if total == size else None


def _pack_offset(idx: Path, oid: bytes, hash_len: int) -> int | None:
    """Offset of ``oid`` in the pack of a version 2 ``.idx``: fan-out, then binary search."""
    with open(idx, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if m[:8] != b"\377tOc\0\0\0\2":
            return None
        fanout = 8
        count = struct.unpack_from(">I", m, fanout + 4 * 255)[0]
        lo = struct.unpack_from(">I", m, fanout + 4 * (oid[0] - 1))[0] if oid[0] else 0
        hi = struct.unpack_from(">I", m, fanout + 4 * oid[0])[0]
        names = fanout + 256 * 4
        while lo < hi:
            mid = (lo + hi) // 2
            here = m[names + mid * hash_len : names + (mid + 1) * hash_len]
            if here == oid:
                break
            if here < oid:
                lo = mid + 1
            else:
                hi = mid
        else:
            return None
        offsets = names + count * (hash_len + 4)
        offset: int = struct.unpack_from(">I", m, offsets + 4 * mid)[0]
        if offset & 0x80000000:  # index into the table of 8-byte offsets for large packs
            large = offsets + 4 * count + 8 * (offset & 0x7FFFFFFF)
            offset = struct.unpack_from(">Q", m, large)[0]
        return offset


def _apply_delta(base: bytes, delta: bytes) -> bytes | None:
    def size_at(pos: int) -> tuple[int, int]:
        value, shift = 0, 0
        while True:
            byte = delta[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, pos

    source_size, pos = size_at(0)
    target_size, pos = size_at(pos)
    if source_size != len(base) or target_size > _MAX_OBJECT_BYTES:
        return None
    out = bytearray()
    while pos < len(delta):
        op = delta[pos]
        pos += 1
        if op & 0x80:  # copy a range of the base
            start = length = 0
            for bit, shift in ((1, 0), (2, 8), (4, 16), (8, 24)):
                if op & bit:
                    start |= delta[pos] << shift
                    pos += 1
            for bit, shift in ((16, 0), (32, 8), (64, 16)):
                if op & bit:
                    length |= delta[pos] << shift
                    pos += 1
            length = length or 0x10000
            if start + length > len(base):
                return None
            out += base[start : start + length]
        elif op:  # insert the next op bytes
            out += delta[pos : pos + op]
            pos += op
        else:
            return None
    return bytes(out) if len(out) == target_size else None


def commit_tree(repo: Repository, commit: str) -> bytes | None:
    """The root tree id (binary) of a commit, peeling tags."""
    objects = _Objects(repo)
    oid = bytes.fromhex(commit)
    for _ in range(_MAX_LINKS):
        found = objects.read(oid)
        if found is None:
            return None
        kind, body = found
        key = b"tree " if kind == 1 else b"object " if kind == 4 else None
        if key is None or not body.startswith(key):
            return None
        hexid = body[len(key) : body.index(b"\n")].decode("ascii")
        if not _HEX_ID.fullmatch(hexid):
            return None
        oid = bytes.fromhex(hexid)
        if kind == 1:
            return oid
    return None


# --- The index --------------------------------------------------------------------------


class Entry(NamedTuple):
    path: bytes
    ctime: tuple[int, int]
    mtime: tuple[int, int]
    ino: int
    mode: int
    uid: int
    gid: int
    size: int
    oid: bytes
    flags: int
    extended: int


@dataclass
class Index:
    entries: list[Entry]
    cached_trees: dict[bytes, tuple[int, bytes | None]]  # folder -> (entry count, tree id)
    mtime: tuple[int, int]


def read_index(path: Path, hash_len: int) -> Index | None:
    """Parse an index of version 2, 3 or 4; None for anything not understood."""
    with open(path, "rb") as handle:
        data = handle.read()
        written = os.fstat(handle.fileno()).st_mtime_ns
    if data[:4] != b"DIRC":
        return None
    version, count = struct.unpack_from(">II", data, 4)
    if version not in (2, 3, 4):
        return None
    pos, previous, entries = 12, b"", []
    fixed = struct.Struct(f">10I{hash_len}sH")  # stat data, object id, flags
    for _ in range(count):
        ct, ctn, mt, mtn, _dev, ino, mode, uid, gid, size, oid, flags = fixed.unpack_from(data, pos)
        cursor = pos + fixed.size
        extended = 0
        if flags & _EXTENDED:
            if version < 3:
                return None
            extended = struct.unpack_from(">H", data, cursor)[0]
            cursor += 2
        if version == 4:  # the path is the previous one less N bytes, plus a suffix
            strip, cursor = _offset_varint(data, cursor)
            end = data.index(b"\0", cursor)
            if strip > len(previous):
                return None
            name = previous[: len(previous) - strip] + data[cursor:end]
            pos = end + 1
        else:  # NUL-terminated, padded with NULs to a multiple of eight bytes
            end = data.index(b"\0", cursor)
            name = data[cursor:end]
            pos += (end - pos + 8) & ~7
        previous = name
        entries.append(
            Entry(name, (ct, ctn), (mt, mtn), ino, mode, uid, gid, size, oid, flags, extended)
        )
    cached: dict[bytes, tuple[int, bytes | None]] = {}
    stop = len(data) - hash_len
    while pos + 8 <= stop:
        signature = data[pos : pos + 4]
        length = struct.unpack_from(">I", data, pos + 4)[0]
        body = data[pos + 8 : pos + 8 + length]
        pos += 8 + length
        if signature == b"TREE":
            cached = _cached_trees(body, hash_len)
        elif signature == b"sdir":
            pass  # sparse index: folder entries are read as tree entries below
        elif not b"A"[0] <= signature[0] <= b"Z"[0]:
            return None  # a required extension not read here, such as a split index
    return Index(entries, cached, divmod(written, 1_000_000_000))


def _offset_varint(data: bytes, pos: int) -> tuple[int, int]:
    byte = data[pos]
    pos += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos


def _cached_trees(body: bytes, hash_len: int) -> dict[bytes, tuple[int, bytes | None]]:
    """The TREE extension, stored depth first: folder -> (entries covered, tree id or None
    where invalidated)."""
    out: dict[bytes, tuple[int, bytes | None]] = {}
    pos = 0
    stack: list[tuple[bytes, int]] = [(b"", 1)]  # (prefix of children, children left)
    while stack:
        prefix, left = stack.pop()
        if not left:
            continue
        stack.append((prefix, left - 1))
        end = body.index(b"\0", pos)
        name = prefix + body[pos:end]
        line_end = body.index(b"\n", end)
        covered, subtrees = (int(x) for x in body[end + 1 : line_end].split(b" "))
        pos = line_end + 1
        oid = None
        if covered >= 0:
            oid = body[pos : pos + hash_len]
            pos += hash_len
        out[name] = (covered, oid)
        stack.append((name + b"/" if name else b"", subtrees))
    return out


def index_tree(repo: Repository, index: Index) -> bytes:
    """The root tree id the index would commit, reusing the cached trees still valid."""
    # As git's write-tree: an entry added with --intent-to-add is not committed yet.
    entries = [e for e in index.entries if not e.flags & _STAGE and not e.extended & _INTENT_TO_ADD]

    def build(lo: int, hi: int, prefix: bytes) -> bytes:
        cached = index.cached_trees.get(prefix[:-1])
        if cached is not None and cached[1] is not None and cached[0] == hi - lo:
            return cached[1]
        content = bytearray()
        i = lo
        while i < hi:
            entry = entries[i]
            rest = entry.path[len(prefix) :]
            slash = rest.find(b"/")
            if slash < 0 or (slash == len(rest) - 1 and entry.mode == _SPARSE_DIR):
                content += b"%o %s\0%s" % (entry.mode, rest.rstrip(b"/"), entry.oid)
                i += 1
                continue
            folder = prefix + rest[: slash + 1]
            j = i + 1
            while j < hi and entries[j].path.startswith(folder):
                j += 1
            content += b"40000 %s\0%s" % (rest[:slash], build(i, j, folder))
            i = j
        digest = repo.new_hash()
        digest.update(b"tree %d\0" % len(content))
        digest.update(bytes(content))
        result: bytes = digest.digest()
        return result

    return build(0, len(entries), b"")


# --- Dirty ------------------------------------------------------------------------------


def is_dirty(repo: Repository, commit: str | None, depth: int = 0) -> bool | None:
    """True when ``git status --porcelain --untracked-files=no`` would print something."""
    head_tree = commit_tree(repo, commit) if commit else None
    try:
        index = read_index(repo.git_dir / "index", repo.hash_len)
    except FileNotFoundError:  # no index: every file of HEAD is staged for deletion
        if commit is None:
            return False
        if head_tree is None:
            return None
        return head_tree != _empty_tree(repo)
    if index is None:
        return None
    for entry in index.entries:
        if entry.flags & _STAGE:
            return True  # unmerged: listed
        if entry.extended & _INTENT_TO_ADD and not entry.extended & _SKIP_WORKTREE:
            return True  # added with --intent-to-add: listed, unless git skips its file
    check = _WorkTree(repo, index)
    pending, unknown = check.stat_pass()
    if pending is True:
        return True
    staged: bool | None = None  # unknown when HEAD's tree cannot be read
    if not commit:
        staged = bool(index.entries)  # an unborn branch: any entry is a staged addition
    elif head_tree is not None:
        staged = index_tree(repo, index) != head_tree
    if staged:
        return True
    hashed = check.hash_pass(pending) if isinstance(pending, list) else None
    if hashed:
        return True
    submodules = check.submodules_pass(depth)
    if submodules:
        return True
    if staged is None or hashed is None or submodules is None or unknown:
        return None
    return False


def _empty_tree(repo: Repository) -> bytes:
    digest = repo.new_hash()
    digest.update(b"tree 0\0")
    result: bytes = digest.digest()
    return result


class _WorkTree:
    """Compares index entries with the files of the work tree, as git's stat check does."""

    def __init__(self, repo: Repository, index: Index) -> None:
        self.repo = repo
        self.index = index
        self.root = os.fsencode(repo.work_tree)
        self.prefix = os.path.join(self.root, b"")
        self.filemode = repo.flag("core.filemode", True)
        self.symlinks = repo.flag("core.symlinks", True)
        self.trust_ctime = repo.flag("core.trustctime", True)
        self.folders: dict[bytes, bool] = {b"": True}
        self.converting: dict[bytes, bool] = {}
        self.submodules: list[Entry] = []

    def _folder_ok(self, folder: bytes) -> bool:
        """Whether a folder is a real folder (not missing, not a symlink), as git requires
        of the folders leading to a tracked file."""
        known = self.folders.get(folder)
        if known is None:
            parent = folder.rpartition(b"/")[0]
            known = self._folder_ok(parent) and stat.S_ISDIR(
                _lstat_mode(os.path.join(self.root, folder))
            )
            self.folders[folder] = known
        return known

    def stat_pass(self) -> tuple[list[tuple[Entry, os.stat_result]] | bool, bool]:
        """(True at the first entry surely changed, else the entries whose stat data leave
        the question open; whether an entry could not be checked at all)."""
        pending: list[tuple[Entry, os.stat_result]] = []
        unknown = False
        lstat, prefix, checked_folder = os.lstat, self.prefix, b""
        for entry in self.index.entries:
            if entry.flags & _ASSUME_VALID or entry.extended & _SKIP_WORKTREE:
                continue  # git takes these as unchanged
            if entry.mode == _GITLINK:
                self.submodules.append(entry)  # looked into last: the dearest
                continue
            folder = entry.path.rpartition(b"/")[0]
            if folder != checked_folder:  # entries come grouped by folder
                if not self._folder_ok(folder):
                    return True, unknown
                checked_folder = folder
            try:
                st = lstat(prefix + entry.path)
            except (FileNotFoundError, NotADirectoryError):
                return True, unknown  # deleted
            except OSError:
                unknown = True
                continue
            kind = stat.S_IFMT(entry.mode)
            if kind == stat.S_IFREG:
                if not stat.S_ISREG(st.st_mode):
                    return True, unknown
                if self.filemode and (entry.mode ^ st.st_mode) & 0o100:
                    return True, unknown
            elif kind == stat.S_IFLNK:
                if not stat.S_ISLNK(st.st_mode) and (self.symlinks or not stat.S_ISREG(st.st_mode)):
                    return True, unknown
            else:
                unknown = True
                continue
            if entry.size and entry.size != st.st_size & 0xFFFFFFFF:
                return True, unknown
            if not entry.size or not self._stat_matches(entry, st) or self._racy(entry):
                # Same size but other stat data differ, the entry was written too close to
                # the index to be trusted ("racy"), or git cleared its size: read the file.
                pending.append((entry, st))
        return pending, unknown

    def submodules_pass(self, depth: int) -> bool | None:
        """Submodules as git status sees them: a missing folder, another commit checked
        out, or changed tracked content (untracked content does not count under -uno)."""
        if not self.submodules:
            return False
        if depth >= _MAX_SUBMODULE_DEPTH or len(self.submodules) > _MAX_SUBMODULES:
            return None
        # ignore= settings (.gitmodules, config) can hide a submodule's changes: then a
        # change found is not certain to show.
        gitmodules = os.path.join(self.root, b".gitmodules")
        hidden = any(
            k.endswith(".ignore") or k == "diff.ignoresubmodules" for k in self.repo.settings
        )
        hidden = hidden or b"ignore" in _read_head(gitmodules, 1 << 20)
        changed = None if hidden else True
        unknown = False
        for entry in self.submodules:
            folder = self.prefix + entry.path
            if not stat.S_ISDIR(_lstat_mode(folder)):
                return changed
            if not os.path.lexists(os.path.join(folder, b".git")):
                continue  # not checked out: git takes it as unchanged
            sub = find_repository(os.fsdecode(folder))
            if sub is None or os.fsencode(sub.work_tree) != folder.rstrip(b"/"):
                unknown = True
                continue
            commit = head_commit(sub)
            if commit is None:
                unknown = True
            elif commit != entry.oid.hex():
                return changed
            else:
                dirty = is_dirty(sub, commit, depth + 1)
                if dirty:
                    return changed
                unknown = unknown or dirty is None
        return None if unknown else False

    def _racy(self, entry: Entry) -> bool:
        """Whether the file may have changed within the timestamp granularity after its
        entry was recorded: modified no earlier than the index was written."""
        seconds, nanos = entry.mtime
        written_s, written_ns = self.index.mtime
        return seconds > written_s or (seconds == written_s and (not nanos or nanos >= written_ns))

    def _stat_matches(self, entry: Entry, st: os.stat_result) -> bool:
        return (
            _same_time(entry.mtime, st.st_mtime_ns)
            and (not self.trust_ctime or _same_time(entry.ctime, st.st_ctime_ns))
            and entry.ino == st.st_ino & 0xFFFFFFFF
            and entry.uid == st.st_uid & 0xFFFFFFFF
            and entry.gid == st.st_gid & 0xFFFFFFFF
        )

    def hash_pass(self, pending: list[tuple[Entry, os.stat_result]]) -> bool | None:
        """Hash the files the stat data could not settle, up to the first difference and
        within the bounds (past them: unknown)."""
        unknown = False
        budget = MAX_HASHED_BYTES
        for count, (entry, st) in enumerate(pending):
            budget -= st.st_size
            if count >= MAX_HASHED_FILES or budget < 0:
                return None
            blob = self._blob_id(entry.path, st)
            if blob == entry.oid:
                continue
            if blob is None or self._may_convert(entry.path):
                unknown = True  # git would convert (or filter) before hashing
                continue
            return True
        return None if unknown else False

    def _blob_id(self, path: bytes, st: os.stat_result) -> bytes | None:
        full = os.path.join(self.root, path)
        digest = self.repo.new_hash()
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(full)
            digest.update(b"blob %d\0" % len(target))
            digest.update(target)
            result: bytes = digest.digest()
            return result
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(full, flags)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                return None
            digest.update(b"blob %d\0" % opened.st_size)
            remaining = opened.st_size
            while remaining > 0:
                chunk = handle.read(min(remaining, 1 << 20))
                if not chunk:
                    return None  # shrank while read: changing under us
                digest.update(chunk)
                remaining -= len(chunk)
        result = digest.digest()
        return result

    def _may_convert(self, path: bytes) -> bool:
        """Whether git might convert this file's content before hashing it (line endings,
        a filter): then a differing hash does not settle the question."""
        autocrlf = self.repo.settings.get("core.autocrlf", "false")
        if autocrlf is None or autocrlf.lower() != "false":
            return True
        if self._attributes_convert(b"\0outside"):
            return True
        folder = path.rpartition(b"/")[0]
        while True:
            if self._attributes_convert(folder):
                return True
            if not folder:
                return False
            folder = folder.rpartition(b"/")[0]

    def _attributes_convert(self, folder: bytes) -> bool:
        known = self.converting.get(folder)
        if known is None:
            if folder == b"\0outside":  # attribute files that are not in the work tree
                xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
                files = [
                    self.repo.settings.get("core.attributesfile")
                    or os.path.join(xdg, "git", "attributes"),
                    "/etc/gitattributes",
                    os.fspath(self.repo.common_dir / "info" / "attributes"),
                ]
                paths = [os.fsencode(os.path.expanduser(f)) for f in files]
            else:
                paths = [os.path.join(self.root, folder, b".gitattributes")]
            known = any(_file_sets_conversion(p) for p in paths)
            self.converting[folder] = known
        return known


def _same_time(recorded: tuple[int, int], ns: int) -> bool:
    seconds, nanos = divmod(ns, 1_000_000_000)
    # A git built without nanosecond support records 0: then compare seconds only.
    return recorded[0] == seconds & 0xFFFFFFFF and (not recorded[1] or recorded[1] == nanos)


def _file_sets_conversion(path: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            text = handle.read(1 << 20)
    except OSError:
        return False
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith(b"#"):
            continue
        for word in words[1:]:
            if word[:1] not in (b"-", b"!") and word.split(b"=")[0] in _CONVERTING_ATTRIBUTES:
                return True
    return False


def _read_head(path: bytes, limit: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def _lstat_mode(path: bytes) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


__all__ = [
    "MAX_HASHED_BYTES",
    "MAX_HASHED_FILES",
    "Repository",
    "commit_tree",
    "find_repository",
    "git_facts",
    "head_commit",
    "index_tree",
    "is_dirty",
    "read_index",
]
