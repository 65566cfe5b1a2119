package org.eqprop.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Atomic saves: write a temporary file {@code .NAME.*.tmp} beside the target, flush it to the disk, then rename it
 * over the target in one step, so that a crash at any moment leaves either the old file or the complete new one.
 * Only regular files are ever replaced.
 */
public final class AtomicFiles {

    /**
     * Fault injection for tests: milliseconds to wait between the flushed temporary file and the rename (a window in
     * which a test kills the process "inside a save"). Unset in normal use.
     */
    public static final String PAUSE_PROPERTY = "eqprop.atomic-files.pause-ms";

    private AtomicFiles() {
    }

    /** Writes content through {@code writer} so that the target is either the old file or the complete new one. */
    public static void write(Path target, IOConsumer<OutputStream> writer) throws IOException {
        Path abs = target.toAbsolutePath();
        requireReplaceable(abs);
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            try (java.io.FileOutputStream file = new java.io.FileOutputStream(tmp.toFile());
                 OutputStream out = new java.io.BufferedOutputStream(file, 1 << 16)) {
                writer.accept(out);
                out.flush();
                file.getFD().sync();
            } catch (IOException e) {
                throw new IOException("cannot write " + abs + ": " + e.getMessage(), e);
            }
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // temporary files are created owner-only; the saved file gets the usual rw-r--r--
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            pauseForTests();
            requireReplaceable(abs);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Refuses a target that exists and is not a regular file (a device, a directory, a link to one): an atomic rename
     * would replace it by a regular file.
     */
    public static void requireReplaceable(Path target) throws IOException {
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("refusing to replace " + target + ": it is not a regular file");
        }
    }

    /**
     * Removes the temporary files a killed save left beside {@code target} ({@code .NAME.*.tmp}); returns how many.
     * Call it only while no other process saves to that target (a run holding its directory's lock).
     */
    public static int removeStale(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir,
                "." + abs.getFileName() + ".*.tmp")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(p);
                    n++;
                }
            }
        }
        return n;
    }

    /** Makes the rename itself durable (best effort: not every file system lets a directory be opened). */
    private static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir,
                java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // directories cannot be opened on some platforms; the file itself is already on the disk
        }
    }

    private static void pauseForTests() {
        String pause = System.getProperty(PAUSE_PROPERTY);
        if (pause != null) {
            try {
                Thread.sleep(Long.parseLong(pause));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PAUSE_PROPERTY + " must be a number of milliseconds, got " + pause);
            }
        }
    }

    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /** A consumer that may throw IOException. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T t) throws IOException;
    }
}
