/**
 * Flex's own components for the plugin's buttons, and the palette of Flex's
 * theme for everything else.
 *
 * The components come from the `flex` object Flex hands the plugin at init
 * (`flex.Button`, `flex.IconButton`: Flex 2.x's Paste-styled buttons, which
 * follow its light or dark theme by themselves). They are not imported here:
 * `@twilio/flex-ui` is the page's `Twilio.Flex` at run time, so nothing of
 * them is bundled, and without them (tests, a page without Flex) a plain
 * `<button>` styled from the palette stands in.
 */
import React, { createContext, useContext, useMemo } from 'react';
import { buttonStyle, paletteOf, type ButtonVariant, type Palette, type ThemeLike } from './theme';

/** What of Flex's component library the plugin uses (all optional). */
export interface FlexUi {
  /** `Button` of `@twilio/flex-ui` (variants primary, secondary, destructive). */
  Button?: React.ComponentType<any>;
  /** `IconButton` of `@twilio/flex-ui` (`icon`: a Flex icon name or an element). */
  IconButton?: React.ComponentType<any>;
}

/** Picks Flex's Button and IconButton out of the Flex global, where they are. */
export function flexUiOf(flex: unknown): FlexUi {
  const f = (flex ?? {}) as Record<string, unknown>;
  const component = (v: unknown) =>
    typeof v === 'function' || (typeof v === 'object' && v !== null && '$$typeof' in (v as object))
      ? (v as React.ComponentType<any>)
      : undefined;
  return { Button: component(f.Button), IconButton: component(f.IconButton) };
}

interface UiValue {
  ui: FlexUi;
  palette: Palette;
}

const UiContext = createContext<UiValue>({ ui: {}, palette: paletteOf(undefined) });

/** Provides Flex's components and the theme's palette to the plugin's elements below. */
export function UiScope({ ui, theme, children }: { ui?: FlexUi; theme?: ThemeLike; children?: React.ReactNode }): JSX.Element {
  const value = useMemo(() => ({ ui: ui ?? {}, palette: paletteOf(theme) }), [ui, theme]);
  return <UiContext.Provider value={value}>{children}</UiContext.Provider>;
}

export function useUi(): UiValue {
  return useContext(UiContext);
}

export interface ActionButtonProps {
  variant?: ButtonVariant;
  onClick?: () => void;
  disabled?: boolean;
  busy?: boolean;
  children?: React.ReactNode;
  title?: string;
  'aria-label'?: string;
  'data-testid'?: string;
}

/**
 * A text button: Flex's Button when Flex gave one, else a `<button>`. Always
 * a plain button, never a toggle (no aria-pressed): its label says what a
 * press does ("Mute" / "Unmute").
 */
export function ActionButton({ variant = 'secondary', onClick, disabled, busy, children, ...rest }: ActionButtonProps): JSX.Element {
  const { ui, palette } = useUi();
  // Flex's Button marks a disabled button aria-disabled and keeps it
  // focusable; the handlers here ignore clicks while disabled either way.
  const click = () => {
    if (!disabled) onClick?.();
  };
  if (ui.Button) {
    const FlexButton = ui.Button;
    return (
      <FlexButton
        type="button"
        variant={variant}
        onClick={click}
        disabled={disabled}
        aria-busy={busy || undefined}
        data-variant={variant}
        {...rest}
      >
        {children}
      </FlexButton>
    );
  }
  return (
    <button
      type="button"
      style={{ ...buttonStyle(palette, variant), ...(disabled ? { opacity: 0.6, cursor: 'default' } : {}) }}
      onClick={click}
      disabled={disabled}
      aria-busy={busy || undefined}
      data-variant={variant}
      {...rest}
    >
      {children}
    </button>
  );
}
