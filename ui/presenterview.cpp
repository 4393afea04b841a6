#include "presenterview.h"

#include "eventticker.h"
#include "qrcodewidget.h"

#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace Herald {

PresenterView::PresenterView(QWidget *parent)
    : QWidget(parent)
    , m_grid(new QGridLayout(this))
    , m_qr(new QrCodeWidget(this))
    , m_urlLabel(new QLabel(this))
    , m_noteLabel(new QLabel(this))
    , m_statsLabel(new QLabel(this))
    , m_ticker(new EventTicker(this))
{
    setObjectName(QStringLiteral("presenterView"));
    m_qr->setObjectName(QStringLiteral("presenterQr"));
    m_urlLabel->setObjectName(QStringLiteral("presenterUrl"));
    m_ticker->setObjectName(QStringLiteral("presenterTicker"));

    // High contrast whatever the desktop theme: white on black.
    QPalette dark = palette();
    dark.setColor(QPalette::Window, Qt::black);
    dark.setColor(QPalette::WindowText, Qt::white);
    dark.setColor(QPalette::Text, Qt::white);
    dark.setColor(QPalette::Base, Qt::black);
    setPalette(dark);
    setAutoFillBackground(true);

    QFont base = font();
    const qreal size = base.pointSizeF() > 0 ? base.pointSizeF() : 10;
    QFont huge = base;
    huge.setPointSizeF(size * 2.6);
    huge.setBold(true);
    QFont large = base;
    large.setPointSizeF(size * 1.9);
    QFont medium = base;
    medium.setPointSizeF(size * 1.4);

    auto *title = new QLabel(tr("Follow along"), this);
    title->setFont(huge);
    title->setAlignment(Qt::AlignCenter);
    m_urlLabel->setFont(large);
    m_urlLabel->setAlignment(Qt::AlignCenter);
    m_urlLabel->setWordWrap(true);
    m_urlLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_noteLabel->setFont(medium);
    m_noteLabel->setAlignment(Qt::AlignCenter);
    m_noteLabel->setWordWrap(true);
    m_noteLabel->setStyleSheet(QStringLiteral("color: #ffcc00"));
    m_statsLabel->setFont(large);
    m_ticker->setFont(large);
    m_qr->setMinimumSize(200, 200);

    auto *side = new QVBoxLayout;
    side->addWidget(title);
    side->addWidget(m_qr, 1);
    side->addWidget(m_urlLabel);
    side->addWidget(m_noteLabel);

    m_grid->setContentsMargins(24, 24, 24, 24);
    m_grid->setSpacing(18);
    m_grid->addLayout(side, 0, 1);
    m_grid->addWidget(m_statsLabel, 1, 0, 1, 2);
    m_grid->addWidget(m_ticker, 2, 0, 1, 2);
    m_grid->setColumnStretch(0, 3);
    m_grid->setColumnStretch(1, 1);
    m_grid->setRowStretch(0, 3);
    m_grid->setRowStretch(2, 2);
    setStats(0, 0, 0);
}

void PresenterView::setChart(QWidget *chart)
{
    if (m_chart == chart)
        return;
    takeChart();
    m_chart = chart;
    if (chart) {
        m_grid->addWidget(chart, 0, 0);
        chart->show();
    }
}

QWidget *PresenterView::takeChart()
{
    QWidget *chart = m_chart;
    if (chart) {
        m_grid->removeWidget(chart);
        chart->setParent(nullptr);
    }
    m_chart = nullptr;
    return chart;
}

void PresenterView::setAudienceUrl(const QUrl &url, const QString &note)
{
    m_url = url;
    m_qr->setText(url.toString());
    m_urlLabel->setText(url.toString());
    m_noteLabel->setText(note);
    m_noteLabel->setVisible(!note.isEmpty());
}

void PresenterView::setEvents(const std::vector<EventPtr> &events)
{
    m_ticker->setEvents(events);
}

void PresenterView::setStats(int clients, double eventsPerSecond, qint64 lastEventId)
{
    const QLocale locale;
    m_statsLabel->setText(
        tr("%1 connected  ·  %2 events/s  ·  last id %3")
            .arg(locale.toString(clients))
            .arg(locale.toString(eventsPerSecond, 'f', eventsPerSecond < 10 ? 1 : 0))
            .arg(lastEventId));
}

void PresenterView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape) {
        Q_EMIT exitRequested();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace Herald
