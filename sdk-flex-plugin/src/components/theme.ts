import type React from 'react';

/**
 * The part of Flex's theme the plugin reads: Flex 2.x passes its theme to
 * components wrapped with `withTheme` (from `@twilio/flex-ui`), and
 * `theme.tokens` holds the Twilio Paste design tokens of the theme in use
 * (light or dark, with the tenant's overrides) as CSS values.
 */
export interface ThemeLike {
  tokens?: {
    backgroundColors?: Record<string, string | undefined>;
    textColors?: Record<string, string | undefined>;
    borderColors?: Record<string, string | undefined>;
    radii?: Record<string, string | number | undefined>;
  };
  isLight?: boolean;
}

/** The colours the plugin's own elements use (Flex's Button and IconButton style themselves). */
export interface Palette {
  /** Primary action background (Paste `colorBackgroundPrimary`). */
  primary: string;
  /** Text on `primary` and `destructive` (Paste `colorTextInverse`). */
  onPrimary: string;
  /** Destructive action background (Paste `colorBackgroundDestructive`). */
  destructive: string;
  /** Body text (Paste `colorText`). */
  text: string;
  /** Secondary text: names under videos, hints (Paste `colorTextWeak`). */
  textWeak: string;
  /** Error text (Paste `colorTextError`). */
  error: string;
  /** Borders of secondary buttons and panels (Paste `colorBorderWeak`). */
  border: string;
  /** Corner radius of buttons and videos (Paste `borderRadius20`). */
  radius: string;
  /** True when the values came from a Flex theme. */
  fromTheme: boolean;
}

/**
 * Used when no Flex theme is given (tests, a page without Flex's theme
 * provider): the values of Paste's default (light) theme for the coloured
 * surfaces, and `inherit` for text so it follows whatever surrounds it.
 */
export const FALLBACK_PALETTE: Palette = Object.freeze({
  primary: 'rgb(2, 99, 224)',
  onPrimary: 'rgb(255, 255, 255)',
  destructive: 'rgb(214, 31, 31)',
  text: 'inherit',
  textWeak: 'inherit',
  error: 'rgb(214, 31, 31)',
  border: 'currentColor',
  radius: '4px',
  fromTheme: false,
});

/**
 * Video letterboxing: black in either theme, as in any video player (the
 * frames themselves cover the rest).
 */
export const VIDEO_BACKGROUND = 'black';

function pick(group: Record<string, string | number | undefined> | undefined, key: string): string | undefined {
  const v = group?.[key];
  if (typeof v === 'number') return `${v}px`;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The palette of a Flex theme: each token the theme has, the fallback for any it lacks. */
export function paletteOf(theme: ThemeLike | undefined | null): Palette {
  const tokens = theme && typeof theme === 'object' ? theme.tokens : undefined;
  if (!tokens || typeof tokens !== 'object') return FALLBACK_PALETTE;
  const bg = tokens.backgroundColors;
  const text = tokens.textColors;
  const border = tokens.borderColors;
  const f = FALLBACK_PALETTE;
  return {
    primary: pick(bg, 'colorBackgroundPrimary') ?? f.primary,
    onPrimary: pick(text, 'colorTextInverse') ?? f.onPrimary,
    destructive: pick(bg, 'colorBackgroundDestructive') ?? f.destructive,
    text: pick(text, 'colorText') ?? f.text,
    textWeak: pick(text, 'colorTextWeak') ?? f.textWeak,
    error: pick(text, 'colorTextError') ?? f.error,
    border: pick(border, 'colorBorderWeak') ?? f.border,
    radius: pick(tokens.radii, 'borderRadius20') ?? f.radius,
    fromTheme: true,
  };
}

export type ButtonVariant = 'primary' | 'secondary' | 'destructive';

export const box: React.CSSProperties = { padding: 16, display: 'flex', flexDirection: 'column', gap: 12 };
export const row: React.CSSProperties = { display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' };

/** A plain `<button>` styled from the palette: only where Flex's Button is not there. */
export function buttonStyle(palette: Palette, variant: ButtonVariant): React.CSSProperties {
  const base: React.CSSProperties = {
    padding: '8px 16px',
    borderRadius: palette.radius,
    border: `1px solid ${palette.border}`,
    background: 'transparent',
    color: palette.text,
    cursor: 'pointer',
    font: 'inherit',
  };
  if (variant === 'primary') return { ...base, background: palette.primary, borderColor: palette.primary, color: palette.onPrimary };
  if (variant === 'destructive') {
    return { ...base, background: palette.destructive, borderColor: palette.destructive, color: palette.onPrimary };
  }
  return base;
}

/**
 * The "Recording" indicator of the call view: the text in the body colour
 * beside a red dot (see recordingDotStyle).
 */
export function recordingStyle(palette: Palette): React.CSSProperties {
  return { display: 'inline-flex', alignItems: 'center', gap: 6, margin: 0, color: palette.text, fontWeight: 600 };
}

/**
 * The red dot that says a call is recorded: the theme's destructive colour
 * (Paste `colorBackgroundDestructive`, red in the light and the dark theme),
 * `size` pixels across. `ring` draws a thin ring around it, for a dot on a
 * coloured surface (the "On video" badge: `palette.onPrimary`).
 */
export function recordingDotStyle(palette: Palette, size = 10, ring?: string): React.CSSProperties {
  return {
    display: 'inline-block',
    flex: 'none',
    width: size,
    height: size,
    borderRadius: '50%',
    background: palette.destructive,
    ...(ring ? { boxShadow: `0 0 0 1px ${ring}` } : {}),
  };
}

/** The "On video" badge. */
export function badgeStyle(palette: Palette): React.CSSProperties {
  return {
    display: 'inline-flex',
    alignItems: 'center',
    gap: 4,
    padding: '0 6px',
    borderRadius: 10,
    background: palette.primary,
    color: palette.onPrimary,
    fontSize: 11,
    lineHeight: '18px',
    whiteSpace: 'nowrap',
  };
}
