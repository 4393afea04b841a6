#include "qrcodewidget.h"

#include "uilogging.h"

#include <QPainter>

#include <qrencode.h>

namespace Herald {

QrCodeWidget::QrCodeWidget(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void QrCodeWidget::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_width = 0;
    m_dark.clear();
    if (!text.isEmpty()) {
        // Level M: survives a smudged projector screen without making the code much denser.
        QRcode *code
            = QRcode_encodeString(text.toUtf8().constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        if (code) {
            m_width = code->width;
            m_dark.resize(size_t(m_width) * size_t(m_width));
            for (int i = 0; i < m_width * m_width; ++i)
                m_dark[size_t(i)] = code->data[i] & 1;
            QRcode_free(code);
        } else {
            qCWarning(lcUi) << "cannot encode a QR code for" << text;
        }
    }
    updateGeometry();
    update();
}

bool QrCodeWidget::isDark(int x, int y) const
{
    if (x < 0 || y < 0 || x >= m_width || y >= m_width)
        return false;
    return m_dark[size_t(y) * size_t(m_width) + size_t(x)];
}

QImage QrCodeWidget::image(int scale) const
{
    const int side = (m_width + 2 * QuietZone) * scale;
    QImage image(side, side, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    for (int y = 0; y < m_width; ++y) {
        for (int x = 0; x < m_width; ++x) {
            if (isDark(x, y))
                painter.fillRect((x + QuietZone) * scale, (y + QuietZone) * scale, scale, scale,
                                 Qt::black);
        }
    }
    return image;
}

QSize QrCodeWidget::sizeHint() const
{
    return {256, 256};
}

QSize QrCodeWidget::minimumSizeHint() const
{
    const int side = std::max(1, m_width + 2 * QuietZone) * 3;
    return {side, side};
}

void QrCodeWidget::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    if (m_width == 0)
        return;
    // Whole pixels per module keep the edges sharp for phone cameras.
    const int total = m_width + 2 * QuietZone;
    const int scale = std::max(1, std::min(width(), height()) / total);
    const int side = total * scale;
    const QPoint origin((width() - side) / 2, (height() - side) / 2);
    painter.fillRect(QRect(origin, QSize(side, side)), Qt::white);
    for (int y = 0; y < m_width; ++y) {
        for (int x = 0; x < m_width; ++x) {
            if (isDark(x, y))
                painter.fillRect(origin.x() + (x + QuietZone) * scale,
                                 origin.y() + (y + QuietZone) * scale, scale, scale, Qt::black);
        }
    }
}

} // namespace Herald
