"""The Chinese reason for an OS error, as a clerk reads it: the one table of them (reading the
returns, writing the outputs)."""
from __future__ import annotations

import errno


def os_reason(exc: OSError) -> str:
    """The Chinese reason for an OS error, as a clerk reads it (reading or writing): the one
    table of them. Windows error numbers are looked at first (a file open in WPS or Excel is a
    sharing violation there, which Python reports as EACCES)."""
    winerror = getattr(exc, "winerror", None)
    if winerror in WINDOWS_REASONS:
        return WINDOWS_REASONS[winerror]
    return OS_REASONS.get(exc.errno, exc.strerror or type(exc).__name__) if exc.errno else str(exc)


BUSY = "文件被其他程序占用（如已在WPS或Excel中打开，请关闭后重新运行）"
OS_REASONS = {
    errno.ENOENT: "文件不存在（可能已被移动或删除）", errno.EACCES: "没有权限",
    errno.EPERM: "没有权限", errno.EISDIR: "这是一个文件夹", errno.EBUSY: BUSY,
    errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘只读", errno.ENAMETOOLONG: "路径过长",
    errno.EIO: "磁盘读写错误", errno.EMFILE: "同时打开的文件过多", errno.ENFILE: "同时打开的文件过多",
    errno.ENOTDIR: "路径中有一段不是文件夹", errno.ELOOP: "链接层数过多（链接指向自身）",
    errno.EEXIST: "同名文件已存在", errno.ENOTEMPTY: "同名文件夹已存在且不为空",
    errno.EXDEV: "不能跨磁盘移动文件", errno.ETXTBSY: BUSY,
    **({errno.EDQUOT: "磁盘空间不足（超出配额）"} if hasattr(errno, "EDQUOT") else {}),
}
WINDOWS_REASONS = {
    32: BUSY, 33: BUSY,                                   # sharing / lock violation
    5: "没有权限（或文件被其他程序占用，如已在WPS或Excel中打开，请关闭后重新运行）",
    39: "磁盘空间不足", 112: "磁盘空间不足", 206: "路径过长", 3: "路径不存在", 15: "磁盘不存在",
    21: "磁盘未就绪（如U盘已拔出）",
}
