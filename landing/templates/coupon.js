(function(){var d=document,t=d.getElementById('expiry'),c=d.getElementById('countdown');
if(t&&c){var end=+t.getAttribute('data-ends'),u=c.getAttribute('data-day'),o=c.querySelector('span'),w=function(n){return(n<10?'0':'')+n},
k=function(){var s=Math.max(0,Math.floor((end-Date.now())/1e3)),n=Math.floor(s/86400);
o.textContent=(n?n+u+' ':'')+w(Math.floor(s/3600)%24)+':'+w(Math.floor(s/60)%60)+':'+w(s%60);if(!s){clearInterval(i);location.reload()}},i=setInterval(k,1e3);k();c.hidden=false}
var m=d.querySelector('main'),src=m.getAttribute('data-sdk'),id=m.getAttribute('data-click'),sdk=null;
if(src&&id)import(src).then(function(x){return x.init({clickId:id,endpoint:'/e'}).then(function(){sdk=x;x.track('landing_view')})})['catch'](function(){});
var a=d.getElementById('open-app'),deep=a&&a.getAttribute('data-deep'),store=a&&a.getAttribute('data-store'),
offer=function(){setTimeout(function(){var b=d.getElementById('store');if(b&&!d.hidden){b.className='primary';b.focus()}},1e3)};
if(a)a.addEventListener('click',function(e){
if(sdk){e.preventDefault();sdk.openApp({deepLink:deep||undefined,universalLink:a.href,store:store,timeoutMs:1600}).then(function(r){if(r==='store')offer()});return}
if(!deep)return;e.preventDefault();var gone=false,away=function(){gone=true};
d.addEventListener('visibilitychange',function(){if(d.hidden)away()});addEventListener('pagehide',away);
location.href=deep;setTimeout(function(){if(!gone&&!d.hidden){location.href=store;offer()}},1600)})})();
