#include "eventticker.h"

#include <QPainter>

namespace Herald {

EventTicker::EventTicker(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void EventTicker::setEvents(const std::vector<EventPtr> &events)
{
    const qint64 newest = events.empty() ? 0 : events.back()->id;
    if (newest == m_newestId)
        return;
    m_newestId = newest;
    m_lines.clear();
    for (auto it = events.rbegin(); it != events.rend() && m_lines.size() < MaxLines; ++it) {
        const Event &e = **it;
        QString data = QString::fromUtf8(e.data.left(160)).simplified();
        QString line = QStringLiteral("#%1  %2").arg(e.id).arg(e.topic);
        if (e.type != "message")
            line += QStringLiteral(" · ") + QString::fromUtf8(e.type);
        line += QStringLiteral("  ") + data;
        m_lines.append(line);
    }
    update();
}

QSize EventTicker::sizeHint() const
{
    return {600, 400};
}

void EventTicker::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::TextAntialiasing);
    const QFontMetrics metrics(font());
    const int lineHeight = metrics.lineSpacing() + 4;
    int y = metrics.ascent() + 2;
    QColor color = palette().color(QPalette::WindowText);
    if (m_lines.isEmpty()) {
        color.setAlphaF(0.6);
        painter.setPen(color);
        painter.drawText(rect(), Qt::AlignCenter, tr("Waiting for events…"));
        return;
    }
    for (qsizetype i = 0; i < m_lines.size() && y < height(); ++i) {
        // Older lines fade, so the eye goes to the newest one.
        QColor faded = color;
        faded.setAlphaF(std::max(0.35, 1.0 - 0.08 * double(i)));
        painter.setPen(faded);
        painter.drawText(4, y, metrics.elidedText(m_lines[i], Qt::ElideRight, width() - 8));
        y += lineHeight;
    }
}

} // namespace Herald
