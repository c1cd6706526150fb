"""A list delegate that paints a title (elided, bold) over a grey subtitle: conversation and document lists."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1


class TwoLineDelegate(QStyledItemDelegate):
    """Item text is the title; ``SUBTITLE_ROLE`` data is the grey second line."""

    PAD = 8

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        fm = QFontMetrics(option.font)
        return QSize(option.rect.width(), fm.height() * 2 + self.PAD * 2 + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active
        text_color = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        sub_color = text_color if selected else opt.palette.color(group, QPalette.ColorRole.PlaceholderText)
        r = opt.rect.adjusted(self.PAD + 2, self.PAD, -self.PAD, -self.PAD)
        bold = QFont(opt.font)
        bold.setBold(True)
        fm = QFontMetrics(bold)
        painter.save()
        painter.setFont(bold)
        painter.setPen(text_color)
        painter.drawText(QRect(r.left(), r.top(), r.width(), fm.height()), Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(title, Qt.TextElideMode.ElideRight, r.width()))
        small = QFont(opt.font)
        painter.setFont(small)
        painter.setPen(sub_color)
        sfm = QFontMetrics(small)
        subtitle = str(index.data(SUBTITLE_ROLE) or "")
        painter.drawText(QRect(r.left(), r.top() + fm.height() + 2, r.width(), sfm.height()), Qt.AlignmentFlag.AlignLeft,
                         sfm.elidedText(subtitle, Qt.TextElideMode.ElideRight, r.width()))
        painter.restore()
