"""Data-subject rights: pure building blocks (deadlines, Art. 14 notices).

``deadline`` computes GDPR Art. 12(3) answer deadlines and Art. 14(3) notice deadlines;
``notice`` renders Art. 14 notices in German and English. No I/O here.
"""

from sphere.dsr.deadline import (
    DeadlineState,
    ExtensionNotAllowed,
    NoticeDeadline,
    RequestDeadline,
    add_months,
    notice_deadline,
)
from sphere.dsr.notice import Notice, NoticeInput, NoticePurpose, Party, render_notice

__all__ = [
    "DeadlineState",
    "ExtensionNotAllowed",
    "Notice",
    "NoticeDeadline",
    "NoticeInput",
    "NoticePurpose",
    "Party",
    "RequestDeadline",
    "add_months",
    "notice_deadline",
    "render_notice",
]
