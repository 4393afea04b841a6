#pragma once

#include "broadcast/event.h"

#include <QPointer>
#include <QUrl>
#include <QWidget>

#include <vector>

class QGridLayout;
class QKeyEvent;
class QLabel;

namespace Herald {

class EventTicker;
class QrCodeWidget;

// Presenter mode: the charts, a live event ticker and the audience URL with its QR code, in
// large type and high contrast, filling the screen. The chart widget is lent by the main window
// (setChart) so both modes show the same series without keeping them twice.
class PresenterView : public QWidget
{
    Q_OBJECT

public:
    explicit PresenterView(QWidget *parent = nullptr);

    void setChart(QWidget *chart);
    // Gives the chart back (no parent) for the main window to put where it was.
    QWidget *takeChart();

    // The URL the audience opens (the demo page); note says why it may not be reachable.
    void setAudienceUrl(const QUrl &url, const QString &note);
    QUrl audienceUrl() const { return m_url; }
    void setEvents(const std::vector<EventPtr> &events);
    void setStats(int clients, double eventsPerSecond, qint64 lastEventId);

    QrCodeWidget *qrCode() const { return m_qr; }
    EventTicker *ticker() const { return m_ticker; }

Q_SIGNALS:
    void exitRequested();

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    QGridLayout *m_grid;
    QPointer<QWidget> m_chart;
    QrCodeWidget *m_qr;
    QLabel *m_urlLabel;
    QLabel *m_noteLabel;
    QLabel *m_statsLabel;
    EventTicker *m_ticker;
    QUrl m_url;
};

} // namespace Herald
