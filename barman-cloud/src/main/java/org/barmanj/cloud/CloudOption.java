package org.barmanj.cloud;

import java.util.List;

/**
 * One option of a barman-cloud command, declared once: how it parses and its lines in usage and {@code --help}
 * (argparse's layout, as Barman 3.4 prints it).
 *
 * @param names short then long names, as argparse lists them
 * @param kind how a value follows it
 * @param metavar the value's name in usage and help (null for flags)
 * @param choices the values allowed (empty: any)
 * @param help the help text
 * @param exclusive options with the same non-null name exclude each other ({@code [-z | -j | --snappy]})
 * @param aws listed under "Extra options for the aws-s3 cloud provider"
 */
record CloudOption(List<String> names, Kind kind, String metavar, List<String> choices, String help,
        String exclusive, boolean aws) {

    enum Kind {
        /** present or not */
        FLAG,
        /** counted, {@code -vv} */
        COUNT,
        /** one value, with a space or {@code =} */
        VALUE,
        /** one integer value */
        INT,
        /** zero or more {@code key,value} tags (argparse's {@code nargs="*"}) */
        TAGS,
        /** one value, repeatable, every value kept in order (argparse's {@code action="append"}) */
        APPEND
    }

    static CloudOption flag(String help, String... names) {
        return new CloudOption(List.of(names), Kind.FLAG, null, List.of(), help, null, false);
    }

    static CloudOption count(String help, String... names) {
        return new CloudOption(List.of(names), Kind.COUNT, null, List.of(), help, null, false);
    }

    static CloudOption value(String metavar, String help, String... names) {
        return new CloudOption(List.of(names), Kind.VALUE, metavar, List.of(), help, null, false);
    }

    static CloudOption integer(String metavar, String help, String... names) {
        return new CloudOption(List.of(names), Kind.INT, metavar, List.of(), help, null, false);
    }

    static CloudOption multi(String metavar, String help, String... names) {
        return new CloudOption(List.of(names), Kind.APPEND, metavar, List.of(), help, null, false);
    }

    static CloudOption tags(String metavar, String help, String... names) {
        return new CloudOption(List.of(names), Kind.TAGS, metavar, List.of(), help, null, false);
    }

    CloudOption choices(String... allowed) {
        return new CloudOption(names, kind, metavar, List.of(allowed), help, exclusive, aws);
    }

    CloudOption exclusiveIn(String group) {
        return new CloudOption(names, kind, metavar, choices, help, group, aws);
    }

    CloudOption forAws() {
        return new CloudOption(names, kind, metavar, choices, help, exclusive, true);
    }

    /** The long name, the key of its parsed value. */
    String canonical() {
        return names.get(names.size() - 1);
    }

    String shortest() {
        return names.get(0);
    }

    boolean takesValue() {
        return kind == Kind.VALUE || kind == Kind.INT || kind == Kind.APPEND;
    }

    /** As argparse shows a value: {@code {a,b}} when choices are given and no metavar, else the metavar. */
    private String shownValue() {
        if (kind == Kind.TAGS) {
            return "[" + metavar + " ...]";
        }
        return metavar != null ? metavar : "{" + String.join(",", choices) + "}";
    }

    /** The option in the usage line, without brackets: {@code -P PROFILE}, {@code --tags [TAGS ...]}. */
    String usageToken() {
        return kind == Kind.FLAG || kind == Kind.COUNT ? shortest() : shortest() + " " + shownValue();
    }

    /** The option's left column in help: {@code -P PROFILE, --profile PROFILE}. */
    String invocation() {
        if (kind == Kind.FLAG || kind == Kind.COUNT) {
            return String.join(", ", names);
        }
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(n).append(' ').append(shownValue());
        }
        return b.toString();
    }
}
