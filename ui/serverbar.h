#pragma once

#include "node/nodehost.h"

#include <QHostAddress>
#include <QUrl>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace Herald {

// Where the server listens and whether it runs: address and port, start/stop, the URL to open
// (with a copy button) and the relay's state in one line.
class ServerBar : public QWidget
{
    Q_OBJECT

public:
    explicit ServerBar(QWidget *parent = nullptr);

    void setAddress(const QHostAddress &address);
    // Null when the text is not an address.
    QHostAddress address() const;
    void setPort(quint16 port);
    quint16 port() const;

    void setState(NodeHost::State state, const QUrl &url);
    void setError(const QString &error);
    void setRelaySummary(const QString &summary);
    QUrl url() const { return m_url; }

Q_SIGNALS:
    void startRequested();
    void stopRequested();
    void urlCopied(const QString &url);

private:
    QLineEdit *m_address;
    QSpinBox *m_port;
    QPushButton *m_startStop;
    QLabel *m_urlLabel;
    QToolButton *m_copy;
    QLabel *m_relay;
    NodeHost::State m_state = NodeHost::State::Stopped;
    QUrl m_url;
};

} // namespace Herald
