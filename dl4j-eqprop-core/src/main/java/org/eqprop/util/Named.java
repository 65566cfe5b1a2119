package org.eqprop.util;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A choice with a name as the papers and the command line spell it ({@code "hard-sigmoid"}, {@code "one-sided"}): the
 * enums of the typed settings implement it, so that JSON, the command line and error messages use one spelling.
 */
public interface Named {

    /** The name on the command line and in JSON: the enum constant's name in lower case with dashes. */
    default String cliName() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code type} named {@code name} (its {@link #cliName()} or its Java name, any case, '_' for
     * '-'), or an {@link IllegalArgumentException} that lists the choices.
     *
     * @param what what the choice is, for the message ("dynamics", "estimator")
     */
    static <E extends Enum<E> & Named> E parse(Class<E> type, String name, String what) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (E e : type.getEnumConstants()) {
                if (e.cliName().equals(n) || e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(n)) {
                    return e;
                }
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + name + "'; expected one of " + choices(type));
    }

    /** "a, b or c": the names of {@code type}'s constants. */
    static <E extends Enum<E> & Named> String choices(Class<E> type) {
        String[] names = Arrays.stream(type.getEnumConstants()).map(Named::cliName).toArray(String[]::new);
        return names.length == 1 ? names[0] : Arrays.stream(names, 0, names.length - 1)
                .collect(Collectors.joining(", ")) + " or " + names[names.length - 1];
    }
}
