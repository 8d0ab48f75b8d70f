package io.fastworker.config;

import org.eclipse.microprofile.config.spi.Converter;

/** Reads {@code fastworker.role} as the user writes it ({@code control-plane}, {@code subworker}). */
public class RoleConverter implements Converter<Role> {

    @Override
    public Role convert(String value) {
        return Role.parse(value.trim());
    }
}
