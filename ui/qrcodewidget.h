#pragma once

#include <QImage>
#include <QWidget>

#include <vector>

class QPaintEvent;

namespace Herald {

// A QR code (libqrencode) for a short text such as the audience URL, drawn black on white with
// the quiet zone the standard asks for, as large as the widget allows.
class QrCodeWidget : public QWidget
{
    Q_OBJECT

public:
    explicit QrCodeWidget(QWidget *parent = nullptr);

    void setText(const QString &text);
    QString text() const { return m_text; }
    // Modules per side; 0 when the text could not be encoded.
    int modules() const { return m_width; }
    bool isDark(int x, int y) const;
    // The code at `scale` pixels per module, quiet zone included.
    QImage image(int scale) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return width; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    static constexpr int QuietZone = 4; // modules of white around the code (ISO/IEC 18004)

    QString m_text;
    int m_width = 0;
    std::vector<bool> m_dark;
};

} // namespace Herald
