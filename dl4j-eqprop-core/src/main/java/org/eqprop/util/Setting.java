package org.eqprop.util;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents one component of a settings record: its help text, shown by the command line (whose option
 * {@code --kebab-case-name} is derived from the component) and by the generated documentation. A component without
 * it, or with {@code cli = false}, is set from Java and JSON only.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface Setting {

    /** One line: what the value means, with the equation or paper it comes from. */
    String value();

    /** The value's placeholder in the usage text ("T", "BETA"); empty: derived from the type. */
    String label() default "";

    /** False for a setting that the command line sets through another option (e.g. the run's seed). */
    boolean cli() default true;
}
