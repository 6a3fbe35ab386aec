package org.barmanj.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.barmanj.core.check.CheckResult;
import org.barmanj.core.drill.DrillForecast;
import org.barmanj.core.drill.DrillReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.or;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of docs/architecture.md: the core knows nothing of the command line and prints nothing; the
 * command line reaches the core only through the per-server service and the types it returns (configuration,
 * catalog, check results, drill reports and forecasts, Barman's text formats, the error catalog and the event seam); the core's packages
 * depend on each other without cycles.
 */
class ArchitectureTest {
    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.barmanj");
    }

    @Test
    void coreNeverImportsPicocli() {
        check(noClasses().that().resideInAPackage("org.barmanj.core..")
                .should().dependOnClassesThat().resideInAPackage("picocli.."));
    }

    /** The core emits through Events only; the log file's machinery stays in the command line's log package. */
    @Test
    void loggingLibrariesOnlyInTheLogPackage() {
        check(noClasses().that().resideOutsideOfPackage("org.barmanj.cli.log..")
                .should().dependOnClassesThat().resideInAnyPackage("org.slf4j..", "ch.qos.logback.."));
    }

    @Test
    void corePrintsNothing() {
        check(noClasses().that().resideInAPackage("org.barmanj.core..").should(ACCESS_STANDARD_STREAMS));
    }

    @Test
    void commandLineReachesCoreOnlyThroughTheServiceAndItsTypes() {
        check(classes().that().resideInAPackage("org.barmanj.cli..")
                .should().onlyDependOnClassesThat(or(
                        resideInAnyPackage("java..", "picocli..", "org.barmanj.cli..", "org.barmanj.core",
                                "org.barmanj.core.server..", "org.barmanj.core.config..", "org.slf4j..", "ch.qos.logback..",
                                "org.barmanj.core.catalog..", "org.barmanj.core.compat.."),
                        type(CheckResult.class), type(DrillReport.class), type(DrillReport.Check.class),
                        type(DrillReport.Figures.class), type(DrillReport.Result.class), type(DrillReport.Redo.class),
                        type(DrillForecast.class), type(DrillForecast.Forecast.class),
                        type(DrillForecast.Source.class))));
    }

    @Test
    void corePackagesHaveNoCycles() {
        check(slices().matching("org.barmanj.core.(*)..").should().beFreeOfCycles());
    }

    private static void check(ArchRule rule) {
        rule.check(production);
    }
}
