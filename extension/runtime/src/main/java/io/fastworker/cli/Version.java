package io.fastworker.cli;

import io.quarkus.runtime.annotations.RegisterForReflection;
import picocli.CommandLine;

/** Prints the version of this build. */
@RegisterForReflection
class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        Package p = Version.class.getPackage();
        String v = p == null || p.getImplementationVersion() == null ? "development build"
                : p.getImplementationVersion();
        return new String[] {"FastWorker for Java " + v};
    }
}
