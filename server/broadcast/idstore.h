#pragma once

#include <QString>

namespace Herald {

// Where a standalone node keeps how far its event ids have gone, so that a restarted node
// continues above every id it handed out before instead of starting again at 1. Without it, a
// client resuming with an id from the previous run would be told its replay is complete while
// the events it missed were never in this run's history at all.
//
// Ids are reserved in blocks: the file holds an id that no event has reached yet, and it is
// rewritten only when publishing passes it, so a crash loses at most the rest of one block (a
// jump in the ids, never a repeat).
class IdStore
{
public:
    static constexpr qint64 BlockSize = 1000;

    explicit IdStore(QString path);

    const QString &path() const { return m_path; }
    // The id the previous run reserved up to (0 when there was none). Fails only on a file that
    // exists but cannot be read or does not hold a positive number.
    bool load(qint64 *reserved, QString *error) const;
    // Records that ids up to `reserved` may be in use. Written atomically (a new file renamed).
    bool save(qint64 reserved, QString *error) const;
    // Whether save() can work: the folder exists (it is made if need be) and takes new files.
    // Checked at start, so that a bad folder is said at once, not at the first publish.
    bool checkWritable(QString *error) const;

private:
    QString m_path;
};

} // namespace Herald
