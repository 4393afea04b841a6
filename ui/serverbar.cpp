#include "serverbar.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

namespace Herald {

ServerBar::ServerBar(QWidget *parent)
    : QWidget(parent)
    , m_address(new QLineEdit(this))
    , m_port(new QSpinBox(this))
    , m_startStop(new QPushButton(this))
    , m_urlLabel(new QLabel(this))
    , m_copy(new QToolButton(this))
    , m_relay(new QLabel(this))
{
    m_address->setObjectName(QStringLiteral("bindAddress"));
    m_port->setObjectName(QStringLiteral("port"));
    m_startStop->setObjectName(QStringLiteral("startStop"));
    m_urlLabel->setObjectName(QStringLiteral("serverUrl"));
    m_copy->setObjectName(QStringLiteral("copyUrl"));
    m_relay->setObjectName(QStringLiteral("relayState"));

    m_address->setToolTip(tr("Listen address: 127.0.0.1 for this machine only, 0.0.0.0 for all"));
    m_address->setMaximumWidth(160);
    m_port->setRange(0, 65535);
    m_port->setToolTip(tr("TCP port; 0 picks a free one"));
    m_urlLabel->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_urlLabel->setOpenExternalLinks(true);
    m_copy->setText(tr("Copy"));
    m_copy->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    m_copy->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_copy->setToolTip(tr("Copy the URL to the clipboard"));
    m_relay->setToolTip(tr("State of the Redis relay between nodes"));

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->addWidget(new QLabel(tr("Listen on"), this));
    layout->addWidget(m_address);
    layout->addWidget(new QLabel(tr("port"), this));
    layout->addWidget(m_port);
    layout->addWidget(m_startStop);
    layout->addSpacing(16);
    layout->addWidget(m_urlLabel);
    layout->addWidget(m_copy);
    layout->addStretch(1);
    layout->addWidget(m_relay);

    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (m_state == NodeHost::State::Stopped)
            Q_EMIT startRequested();
        else
            Q_EMIT stopRequested();
    });
    connect(m_copy, &QToolButton::clicked, this, [this] {
        if (m_url.isEmpty())
            return;
        const QString text = m_url.toString();
        QGuiApplication::clipboard()->setText(text);
        Q_EMIT urlCopied(text);
    });
    setState(NodeHost::State::Stopped, {});
    setRelaySummary(tr("relay not configured"));
}

void ServerBar::setAddress(const QHostAddress &address)
{
    m_address->setText(address.toString());
}

QHostAddress ServerBar::address() const
{
    return QHostAddress(m_address->text().trimmed());
}

void ServerBar::setPort(quint16 port)
{
    m_port->setValue(port);
}

quint16 ServerBar::port() const
{
    return quint16(m_port->value());
}

void ServerBar::setState(NodeHost::State state, const QUrl &url)
{
    m_state = state;
    m_url = url;
    const bool stopped = state == NodeHost::State::Stopped;
    m_address->setEnabled(stopped);
    m_port->setEnabled(stopped);
    m_startStop->setEnabled(state != NodeHost::State::Stopping);
    switch (state) {
    case NodeHost::State::Stopped:
        m_startStop->setText(tr("Start"));
        m_urlLabel->setText(tr("stopped"));
        break;
    case NodeHost::State::Starting:
        m_startStop->setText(tr("Stop"));
        m_urlLabel->setText(tr("starting…"));
        break;
    case NodeHost::State::Running: {
        m_startStop->setText(tr("Stop"));
        const QString text = url.toString().toHtmlEscaped();
        m_urlLabel->setText(QStringLiteral("<a href=\"%1\">%1</a>").arg(text));
        break;
    }
    case NodeHost::State::Stopping:
        m_startStop->setText(tr("Stopping…"));
        m_urlLabel->setText(tr("closing streams…"));
        break;
    }
    m_copy->setEnabled(state == NodeHost::State::Running);
}

void ServerBar::setError(const QString &error)
{
    m_urlLabel->setText(
        QStringLiteral("<span style=\"color:#c0392b\">%1</span>").arg(error.toHtmlEscaped()));
}

void ServerBar::setRelaySummary(const QString &summary)
{
    m_relay->setText(summary);
}

} // namespace Herald
