package org.eqprop.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunDirectoryTest {

    private static final List<String> RUN = List.of("model.zip", "checkpoint.zip");

    @Test
    void aSecondRunIsLockedOutWithTheHoldersPid(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("a/b");
        try (RunDirectory d = RunDirectory.open(out, RunDirectory.Mode.NEW, RUN, null)) {
            assertTrue(Files.isDirectory(out));
            RunDirectory.Refused e = assertThrows(RunDirectory.Refused.class,
                    () -> RunDirectory.open(out, RunDirectory.Mode.OVERWRITE, RUN, null));
            assertFalse(e.isUsageError());
            assertTrue(e.getMessage().contains("another run (pid " + ProcessHandle.current().pid() + ")"),
                    e.getMessage());
        }
        // released on close
        RunDirectory.open(out, RunDirectory.Mode.NEW, RUN, null).close();
    }

    @Test
    void aFolderHoldingARunIsNeverTakenOverSilently(@TempDir Path tmp) throws IOException {
        Files.write(tmp.resolve("model.zip"), new byte[]{1});
        RunDirectory.Refused e = assertThrows(RunDirectory.Refused.class,
                () -> RunDirectory.open(tmp, RunDirectory.Mode.NEW, RUN, null));
        assertTrue(e.isUsageError());
        assertTrue(e.getMessage().contains("already holds a run (model.zip)"), e.getMessage());
        assertTrue(Files.exists(tmp.resolve("model.zip")), "refusing leaves the run alone");

        RunDirectory.Refused r = assertThrows(RunDirectory.Refused.class,
                () -> RunDirectory.open(tmp, RunDirectory.Mode.RESUME, RUN, "checkpoint.zip"));
        assertTrue(r.getMessage().contains("holds no checkpoint"), r.getMessage());

        RunDirectory.open(tmp, RunDirectory.Mode.OVERWRITE, RUN, null).close();
        assertFalse(Files.exists(tmp.resolve("model.zip")), "--overwrite removes the old run's files");
    }

    @Test
    void leftoversOfKilledSavesAreRemovedAndOnlyRegularFilesReplaced(@TempDir Path tmp) throws IOException {
        Files.write(tmp.resolve(".model.zip.123.tmp"), new byte[10]);
        Files.write(tmp.resolve(".checkpoint.zip.9.tmp"), new byte[10]);
        Files.write(tmp.resolve(".other.tmp"), new byte[10]);
        try (RunDirectory d = RunDirectory.open(tmp, RunDirectory.Mode.NEW, RUN, null)) {
            assertEquals(2, d.staleTemporariesRemoved());
        }
        assertTrue(Files.exists(tmp.resolve(".other.tmp")), "files of no run are not touched");

        Path dir = Files.createDirectory(tmp.resolve("model-dir"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(dir, new byte[]{1}));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        Path link = Files.createSymbolicLink(tmp.resolve("null.zip"), Path.of("/dev/null"));
        assertThrows(IOException.class, () -> AtomicFiles.write(link, new byte[]{1}));
        assertTrue(Files.isSymbolicLink(link));

        Path file = tmp.resolve("not-a-dir");
        Files.write(file, new byte[]{1});
        RunDirectory.Refused f = assertThrows(RunDirectory.Refused.class,
                () -> RunDirectory.open(file, RunDirectory.Mode.NEW, RUN, null));
        assertTrue(f.getMessage().contains("not a directory"), f.getMessage());
    }
}
