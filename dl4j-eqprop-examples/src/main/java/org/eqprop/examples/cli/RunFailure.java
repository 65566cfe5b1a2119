package org.eqprop.examples.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run that failed for a reason the summary names ({@code "reason"}: {@code diverged}, ...), with what was kept
 * (e.g. the last good checkpoint): exit code 1 and {@code "status": "error"}.
 */
final class RunFailure extends RuntimeException {

    private final String reason;
    private final Map<String, Object> details;

    RunFailure(String reason, String message, Map<String, Object> details, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.details = new LinkedHashMap<>(details);
    }

    String reason() {
        return reason;
    }

    Map<String, Object> details() {
        return details;
    }
}
