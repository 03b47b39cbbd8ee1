// The control-room board (/dashboards/open): every data-refresh-seconds the page is fetched again
// and the board's part swapped in, so new reports, reviews falling due and hours missing show
// without a reload (a meta refresh would also reset the reader's place and fails WCAG 2.2.1).
(function () {
  var board = document.getElementById("board");
  if (!board) {
    return;
  }
  var every = (parseInt(board.dataset.refreshSeconds, 10) || 60) * 1000;
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        return answer.ok ? answer.text() : Promise.reject(answer.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (fresh) {
          board.innerHTML = fresh.innerHTML;
        }
      })
      .catch(function () {
        // Signed out or offline: the board shown stays, and the next round tries again.
      })
      .then(function () {
        window.setTimeout(refresh, every);
      });
  }
  window.setTimeout(refresh, every);
})();
