// The operator's page: the same JSON endpoints anyone can script (/say, /expression, /look,
// /status; schema at /openapi.json), with the token this page was opened with.

const token = new URLSearchParams(location.search).get('token');
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const answer = await fetch(path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : { headers });
  const data = await answer.json();
  $('error').textContent = answer.ok ? '' : `${answer.status}: ${data.detail}`;
  return answer.ok ? data : null;
}

$('say').onclick = async () => {
  const text = $('text').value;
  $('said').textContent = 'synthesizing…';
  const answer = await api(`/say${$('interrupt').checked ? '?interrupt=1' : ''}`,
    { text, lang: $('lang').value, voice: $('voice').value || null });
  // what the operator asked for is confirmed here, however short it is (the status may miss it)
  $('said').textContent = answer
    ? `queued "${text.slice(0, 40)}": ${answer.duration.toFixed(1)} s${answer.complete ? '' : ' so far'}, starts in ${answer.starts_in.toFixed(1)} s (${answer.voice})`
    : '';
};
$('express').onclick = () => api('/expression', { name: $('expression').value, intensity: Number($('intensity').value) });

async function refresh() {
  const status = await api('/status');
  if (status) {
    if (!$('expression').options.length) {
      for (const name of status.expressions) $('expression').add(new Option(name));
      for (const direction of status.looks) {
        const button = document.createElement('button');
        button.textContent = direction;
        button.onclick = () => api('/look', { direction });
        $('looks').append(button, ' ');
      }
    }
    $('status').textContent = JSON.stringify(status, null, 2);
  }
  setTimeout(refresh, 1000);
}
refresh();
