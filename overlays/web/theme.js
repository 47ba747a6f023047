// Hearth overlays' look: every page loads this script right after its own
// stylesheets, and it adds two more after them, so they win: the theme
// for this page's query (theme=light|dark and overrides such as
// accent=#ff8800 or size=24, checked by Hearth, anything invalid left
// out) and the channel's custom stylesheet, which comes last.
'use strict';

(function () {
  const THEME_PARAMS = ['theme', 'color', 'muted', 'accent', 'bg', 'edge', 'font', 'size', 'radius', 'gap'];
  const params = new URLSearchParams(window.location.search);

  function sheet(href) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.appendChild(link);
  }

  const theme = new URLSearchParams();
  for (const name of THEME_PARAMS) {
    const value = params.get(name);
    if (value !== null) theme.set(name, value);
  }
  sheet('theme.css?' + theme.toString());
  sheet('custom.css?' + new URLSearchParams({
    channel: params.get('channel') || '',
    token: params.get('token') || '',
  }).toString());
})();
