import type React from 'react';

export const box: React.CSSProperties = { padding: 16, display: 'flex', flexDirection: 'column', gap: 12 };
export const row: React.CSSProperties = { display: 'flex', gap: 8, flexWrap: 'wrap' };
export const button: React.CSSProperties = {
  padding: '8px 16px',
  borderRadius: 4,
  border: '1px solid currentColor',
  background: 'transparent',
  color: 'inherit',
  cursor: 'pointer',
  font: 'inherit',
};
export const primary: React.CSSProperties = { ...button, background: '#0263e0', borderColor: '#0263e0', color: '#fff' };
export const danger: React.CSSProperties = { ...button, background: '#d61f1f', borderColor: '#d61f1f', color: '#fff' };
