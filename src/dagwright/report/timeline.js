(function () {
  if (location.hash === '#chart') { document.body.classList.add('chart-only'); }
  var tip = document.getElementById('tip');
  document.querySelectorAll('g.node').forEach(function (g) {
    var t = g.querySelector('title');
    if (t) { g.setAttribute('data-tip', t.textContent); t.remove(); }
    g.addEventListener('mousemove', function (e) {
      tip.textContent = g.getAttribute('data-tip');
      tip.style.display = 'block';
      var x = e.clientX + 14, y = e.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth - 8) { x = e.clientX - tip.offsetWidth - 14; }
      if (y + tip.offsetHeight > window.innerHeight - 8) { y = e.clientY - tip.offsetHeight - 14; }
      tip.style.left = x + 'px'; tip.style.top = y + 'px';
    });
    g.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
})();
