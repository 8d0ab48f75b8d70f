package io.fastworker.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Each group of {@code fastworker.*} as a bean of its own, so that a class injects only the settings it reads
 * (e.g. {@code @Inject FastWorkerConfig.Link link}), and what a class depends on shows in its fields.
 */
class ConfigGroups {

    @Produces
    @Singleton
    Role role(FastWorkerConfig c) {
        return c.role();
    }

    @Produces
    @Singleton
    FastWorkerConfig.ControlPlane controlPlane(FastWorkerConfig c) {
        return c.controlPlane();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Link link(FastWorkerConfig c) {
        return c.link();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Subworker subworker(FastWorkerConfig c) {
        return c.subworker();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Queue queue(FastWorkerConfig c) {
        return c.queue();
    }

    @Produces
    @Singleton
    FastWorkerConfig.ResultCache resultCache(FastWorkerConfig c) {
        return c.resultCache();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Result result(FastWorkerConfig c) {
        return c.result();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Store store(FastWorkerConfig c) {
        return c.store();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Idempotency idempotency(FastWorkerConfig c) {
        return c.idempotency();
    }

    @Produces
    @Singleton
    FastWorkerConfig.DeadLetters deadLetters(FastWorkerConfig c) {
        return c.deadLetters();
    }

    @Produces
    @Singleton
    FastWorkerConfig.TaskDefaults taskDefaults(FastWorkerConfig c) {
        return c.taskDefaults();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Api api(FastWorkerConfig c) {
        return c.api();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Cancel cancel(FastWorkerConfig c) {
        return c.cancel();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Events events(FastWorkerConfig c) {
        return c.events();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Callbacks callbacks(FastWorkerConfig c) {
        return c.callbacks();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Ui ui(FastWorkerConfig c) {
        return c.ui();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Tasks tasks(FastWorkerConfig c) {
        return c.tasks();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Health health(FastWorkerConfig c) {
        return c.health();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Log log(FastWorkerConfig c) {
        return c.log();
    }

    @Produces
    @Singleton
    FastWorkerConfig.Metrics metrics(FastWorkerConfig c) {
        return c.metrics();
    }
}
