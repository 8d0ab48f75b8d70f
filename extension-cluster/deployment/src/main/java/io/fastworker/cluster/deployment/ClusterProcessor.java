package io.fastworker.cluster.deployment;

import io.fastworker.cluster.RatisReplication;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;

/** Makes the Ratis-backed replicated log a bean; it stays idle unless {@code fastworker.cluster.members} is set. */
class ClusterProcessor {

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem("fastworker-cluster");
    }

    @BuildStep
    AdditionalBeanBuildItem beans() {
        return AdditionalBeanBuildItem.unremovableOf(RatisReplication.class);
    }
}
