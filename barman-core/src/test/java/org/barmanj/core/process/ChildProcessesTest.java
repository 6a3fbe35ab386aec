package org.barmanj.core.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No child outlives the JVM that started it, nor what a child started outlive the child: each in a JVM of its
 * own ({@link Parent}), killed here with SIGKILL, as {@code kill -9} does.
 */
@Timeout(60)
class ChildProcessesTest {
    /**
     * A child (the shell) that has started a grandchild ({@code sleep} in the background, as rsync forks its
     * receiver and its ssh): both end when their JVM is killed, and the child led a group of its own.
     */
    @Test
    void childrenAndWhatTheyStartedEndWhenTheJvmIsKilled() throws Exception {
        Process jvm = parent("sh", "-c", "sleep 300 & echo $$ $!; wait");
        try {
            String[] pids = childLine(jvm).split(" ");
            long child = Long.parseLong(pids[0]);
            long grandchild = Long.parseLong(pids[1]);
            assertTrue(running(child) && running(grandchild));
            assertEquals(child, processGroup(child), "the child leads its own process group");
            assertEquals(child, processGroup(grandchild), "what it starts is in that group");
            new ProcessBuilder("kill", "-KILL", String.valueOf(jvm.pid())).start().waitFor();
            jvm.waitFor();
            assertTrue(endsSoon(child), "the child ended with its JVM");
            assertTrue(endsSoon(grandchild), "the grandchild ended with its JVM");
        } finally {
            jvm.destroyForcibly();
        }
    }

    /** A child that ends leaving something it started running: what is left ends with it, the JVM living on. */
    @Test
    void whatAChildLeftRunningEndsWithIt() throws Exception {
        Process jvm = parent("sh", "-c", "sleep 300 & echo $$ $!");
        try {
            String[] pids = childLine(jvm).split(" ");
            assertTrue(endsSoon(Long.parseLong(pids[0])), "the child itself ends at once");
            assertTrue(endsSoon(Long.parseLong(pids[1])), "what it left running is killed");
            assertTrue(jvm.isAlive(), "while the JVM lives on");
        } finally {
            jvm.destroyForcibly();
        }
    }

    /**
     * A JVM that starts {@code args} with ChildProcesses, their stdout its own, says {@code started} once start()
     * has returned, and waits to be killed.
     */
    public static final class Parent {
        public static void main(String[] args) throws Exception {
            Process child = ChildProcesses.start(new ProcessBuilder(args)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT));
            System.out.println("started");
            child.waitFor();
            Thread.sleep(300_000);
        }
    }

    private static Process parent(String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", location(ChildProcesses.class) + File.pathSeparator + location(Parent.class),
                Parent.class.getName()));
        cmd.addAll(List.of(command));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The child's line, once its parent's start() has returned. */
    private static String childLine(Process parent) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.US_ASCII));
        String child = null;
        boolean started = false;
        while (child == null || !started) {
            String line = out.readLine();
            assertFalse(line == null, "the parent ended");
            if (line.equals("started")) {
                started = true;
            } else {
                child = line;
            }
        }
        return child;
    }

    private static boolean endsSoon(long pid) throws Exception {
        for (int i = 0; i < 500 && running(pid); i++) {
            Thread.sleep(10);
        }
        return !running(pid);
    }

    /** The process exists and is not a zombie (an orphan waits to be reaped by whoever adopted it). */
    private static boolean running(long pid) throws IOException {
        String stat = stat(pid);
        return stat != null && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    }

    private static long processGroup(long pid) throws IOException {
        String stat = stat(pid);
        assertFalse(stat == null, "process " + pid + " exists");
        // After ") S ppid pgrp".
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static String stat(long pid) throws IOException {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
