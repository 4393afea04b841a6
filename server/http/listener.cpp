#include "http/listener.h"

#include "logging.h"

#include <QTcpSocket>
#include <QTimer>

namespace Herald {

namespace {

// How soon to try accepting again after the process ran out of descriptors (or any other
// accept failure): soon enough that clients barely notice once descriptors are free again.
constexpr int ResumeAcceptingMs = 100;

} // namespace

Listener::Listener(const ConnectionLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{
    // When QTcpServer reports an accept error it has paused accepting (Qt 6.4 reports none for
    // EMFILE and simply tries again later); left paused, a burst of connections that used up
    // the descriptors would leave the server deaf after they close.
    connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError error) {
        if (!m_acceptFailing) {
            qCWarning(lcHttp) << "cannot accept connections:" << errorString() << "(" << error
                              << "); retrying every" << ResumeAcceptingMs << "ms";
        }
        m_acceptFailing = true;
        QTimer::singleShot(ResumeAcceptingMs, this, [this] {
            if (isListening())
                resumeAccepting();
        });
    });
}

void Listener::incomingConnection(qintptr descriptor)
{
    if (m_acceptFailing) {
        m_acceptFailing = false;
        qCInfo(lcHttp) << "accepting connections again";
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcHttp) << "cannot adopt a new connection:" << socket->errorString();
        delete socket;
        return;
    }
    new ConnectionGuard(socket, m_limits);
    addPendingConnection(socket);
}

} // namespace Herald
