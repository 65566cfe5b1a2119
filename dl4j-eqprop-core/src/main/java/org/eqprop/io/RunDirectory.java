package org.eqprop.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The output folder of a training run, held for the run's whole life: created and checked writable before any work,
 * locked against a second run (an OS file lock on {@code .lock}, which also records the holder's pid, and which the
 * OS releases when the holder dies, even by SIGKILL), cleared of the temporaries a killed save left, and never taken
 * over silently: a folder that already holds a run is refused unless the run is resumed or explicitly overwritten.
 */
public final class RunDirectory implements AutoCloseable {

    /** What the run does with a folder that already holds one. */
    public enum Mode {
        /** Refuse a folder holding a run. */
        NEW,
        /** Continue the run the folder holds (its checkpoint must exist). */
        RESUME,
        /** Delete the run the folder holds, then start a new one. */
        OVERWRITE
    }

    /** Why a folder cannot be used: held by another run, holding a run, or not writable. */
    public static final class Refused extends IOException {
        private final boolean usage;

        Refused(String message, boolean usage) {
            super(message);
            this.usage = usage;
        }

        /** True when the user's options are at fault (a run is there and neither resume nor overwrite was asked). */
        public boolean isUsageError() {
            return usage;
        }
    }

    public static final String LOCK_FILE = ".lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final int staleRemoved;

    private RunDirectory(Path dir, FileChannel channel, FileLock lock, int staleRemoved) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.staleRemoved = staleRemoved;
    }

    /**
     * Opens (creating it if needed) and locks a run folder.
     *
     * @param runFiles the names of the files that make a run ({@code model.zip}, the checkpoint, the history); the
     *                 first one that exists marks the folder as holding a run
     * @param required with {@link Mode#RESUME}: the file that must exist (the checkpoint)
     * @throws Refused when another process holds the lock, the folder holds a run and the mode is {@link Mode#NEW},
     *                 the required file is missing, or the folder is not a writable directory
     */
    public static RunDirectory open(Path dir, Mode mode, List<String> runFiles, String required) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (Files.exists(d, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(d)) {
            throw new Refused("output folder " + dir + " exists and is not a directory", true);
        }
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new Refused("cannot create the output folder " + dir + " (" + cause(e) + ")", false);
        }
        Path probe;
        try {
            probe = Files.createTempFile(d, ".write-check.", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new Refused("the output folder " + dir + " is not writable (" + cause(e) + ")", false);
        }
        Path lockPath = d.resolve(LOCK_FILE);
        FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw new Refused("another run" + holder + " is writing to " + dir + "; wait for it to finish or choose "
                    + "another --out", false);
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            List<Path> present = new ArrayList<>();
            for (String f : runFiles) {
                if (Files.exists(d.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                    present.add(d.resolve(f));
                }
            }
            int stale = 0;
            for (String f : runFiles) {
                stale += AtomicFiles.removeStale(d.resolve(f));
            }
            switch (mode) {
                case NEW:
                    if (!present.isEmpty()) {
                        throw new Refused(dir + " already holds a run (" + present.get(0).getFileName() + "); pass "
                                + "--resume to continue it, --overwrite to replace it, or choose another --out", true);
                    }
                    break;
                case RESUME:
                    if (required != null && !Files.isRegularFile(d.resolve(required))) {
                        throw new Refused("--resume: " + dir + " holds no checkpoint (" + required + ")", true);
                    }
                    break;
                case OVERWRITE:
                    for (Path p : present) {
                        AtomicFiles.requireReplaceable(p);
                        Files.delete(p);
                    }
                    break;
                default:
                    throw new IllegalStateException(String.valueOf(mode));
            }
            return new RunDirectory(d, ch, lock, stale);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
    }

    /** The folder (absolute). */
    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /** How many temporaries of killed saves were removed when the folder was opened. */
    public int staleTemporariesRemoved() {
        return staleRemoved;
    }

    /** Releases the lock (the {@code .lock} file stays: deleting it would race with a run that has just opened it). */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            int n = ch.read(b, 0);
            String pid = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).trim();
            return pid.matches("\\d+") ? " (pid " + pid + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String cause(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
