#pragma once

#include <QByteArray>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPlainTextEdit;

namespace Herald {

// The exact bytes written to one client (from the server's wire tap), heartbeats and comments
// included, with CR and LF shown as \r and \n so framing mistakes are visible.
class WireView : public QWidget
{
    Q_OBJECT

public:
    // How much of the tap is shown: the end of it, enough for many frames and cheap to lay out.
    static constexpr qsizetype ShownBytes = 16 * 1024;

    explicit WireView(QWidget *parent = nullptr);

    // clientId 0: nothing selected.
    void setTap(quint64 clientId, const QByteArray &bytes);
    QString text() const;
    bool isPaused() const;

    // Bytes made readable: \r and \n spelled out (a line break follows each \n), other control
    // bytes as \xNN, the rest as UTF-8.
    static QString visible(const QByteArray &bytes);

private:
    QLabel *m_title;
    QCheckBox *m_pause;
    QPlainTextEdit *m_text;
    quint64 m_clientId = 0;
    QByteArray m_shown;
};

} // namespace Herald
