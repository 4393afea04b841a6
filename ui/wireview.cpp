#include "wireview.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

namespace Herald {

WireView::WireView(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_pause(new QCheckBox(tr("Pause"), this))
    , m_text(new QPlainTextEdit(this))
{
    m_text->setObjectName(QStringLiteral("wireText"));
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setUndoRedoEnabled(false);
    m_pause->setToolTip(tr("Freeze the view to read it; the server keeps recording"));

    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_pause);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_text, 1);
    setTap(0, {});
}

bool WireView::isPaused() const
{
    return m_pause->isChecked();
}

QString WireView::text() const
{
    return m_text->toPlainText();
}

void WireView::setTap(quint64 clientId, const QByteArray &bytes)
{
    if (isPaused() && clientId == m_clientId)
        return;
    const QByteArray shown = bytes.right(ShownBytes);
    if (clientId == m_clientId && shown == m_shown && !m_title->text().isEmpty())
        return;

    if (clientId != m_clientId || m_title->text().isEmpty()) {
        m_title->setText(clientId
                             ? tr("Bytes sent to client %1 since it was selected").arg(clientId)
                             : tr("Select a client to see the bytes it is sent"));
    }
    m_clientId = clientId;
    m_shown = shown;

    // Keep following the end unless the user scrolled up to read.
    QScrollBar *bar = m_text->verticalScrollBar();
    const bool atEnd = bar->value() >= bar->maximum() - 2;
    const int position = bar->value();
    m_text->setPlainText(visible(shown));
    if (atEnd)
        bar->setValue(bar->maximum());
    else
        bar->setValue(position);
}

QString WireView::visible(const QByteArray &bytes)
{
    QByteArray out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (const char c : bytes) {
        const auto u = uchar(c);
        if (c == '\n') {
            out += "\\n\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (u < 0x20 && c != '\t') {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return QString::fromUtf8(out);
}

} // namespace Herald
