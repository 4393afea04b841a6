#include "broadcast/idstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace Herald {

IdStore::IdStore(QString path)
    : m_path(std::move(path))
{ }

bool IdStore::load(qint64 *reserved, QString *error) const
{
    *reserved = 0;
    QFile file(m_path);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(m_path, file.errorString());
        return false;
    }
    bool ok = false;
    const qint64 value = file.readLine(64).trimmed().toLongLong(&ok);
    if (!ok || value <= 0) {
        *error = QStringLiteral("%1 does not hold an event id").arg(m_path);
        return false;
    }
    *reserved = value;
    return true;
}

bool IdStore::checkWritable(QString *error) const
{
    const QFileInfo file(m_path);
    const QString folder = file.absolutePath();
    if (!QDir().mkpath(folder) || !QFileInfo(folder).isDir()) {
        *error = QStringLiteral("cannot create the folder %1").arg(folder);
        return false;
    }
    // The file is replaced by renaming a new one over it: the folder must take new files.
    if (!QFileInfo(folder).isWritable() || (file.exists() && !file.isFile())) {
        *error = QStringLiteral("cannot write %1").arg(m_path);
        return false;
    }
    return true;
}

bool IdStore::save(qint64 reserved, QString *error) const
{
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    file.write(QByteArray::number(reserved) + '\n');
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    return true;
}

} // namespace Herald
